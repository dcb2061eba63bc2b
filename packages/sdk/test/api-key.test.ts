import { MajlisClient } from 'majlis-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, NodeWebSocket, nextEvent, startServer, type TestServer } from './helpers.js';

let server: TestServer;
let key: string;

beforeAll(async () => {
  server = await startServer({ API_KEY_REQUIRED: 'true' });
  key = (await server.services.apiKeys.create('sdk tests', null)).key;
});
afterAll(() => server.close());

describe('API_KEY_REQUIRED=true', () => {
  it('the X-API-Key header goes with every request, and as ?api_key= on the socket', async () => {
    const without = new MajlisClient({ baseUrl: server.url });
    await expect(without.auth.register(newUser())).rejects.toMatchObject({ status: 401, code: 'api_key_required' });

    const c = new MajlisClient({ baseUrl: server.url, headers: { 'X-API-Key': key }, WebSocket: NodeWebSocket });
    const { user } = await c.auth.register(newUser());
    const { chat_id } = await c.chats.createGroup({ name: 'Keyed' });
    const rt = c.realtime();
    const opened = nextEvent(rt, 'open');
    rt.connect();
    await opened;
    const message = await rt.send(chat_id, 'through the keyed socket');
    expect(message.sender_id).toBe(user.id);
    rt.close();
  });
});
