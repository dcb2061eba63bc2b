import type {
  AddParticipantsBody,
  Chat,
  ChatIdResponse,
  ChatStatistics,
  CreateDirectBody,
  CreateGroupBody,
  MuteBody,
  PublicChat,
  PublicChatsQuery,
  StatusResponse,
  UpdateGroupBody,
} from '@majlis/protocol';
import type { AuthSession } from '../auth.js';
import { path } from '../http.js';
import type { AddedResult, CreateGroupResult, MuteResult, UpdateGroupResult } from '../types.js';

/** An image to send with a group (multipart `group_image`). */
export interface ImageUpload {
  file: Blob;
  filename?: string;
}

/** Multipart form of a group body: lists become comma-separated, booleans "true"/"false". */
function groupForm(body: CreateGroupBody | UpdateGroupBody, image: ImageUpload): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined || value === null) {
      continue;
    }
    form.append(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  form.append('group_image', image.file, image.filename ?? 'group-image');
  return form;
}

/** Direct chats, groups, membership, archive and mute (contract: Chats). */
export class ChatsApi {
  constructor(private readonly session: AuthSession) {}

  /** My chats that are not archived, most recent activity first. */
  list(): Promise<Chat[]> {
    return this.session.request({ method: 'GET', path: '/api/chats' });
  }

  archived(): Promise<Chat[]> {
    return this.session.request({ method: 'GET', path: '/api/chats/archived' });
  }

  get(chatId: string): Promise<Chat> {
    return this.session.request({ method: 'GET', path: path`/api/chats/${chatId}` });
  }

  /** The direct chat with a user (`identifier`: email or username, or `user_id`): the existing one or a new one. */
  openDirect(target: CreateDirectBody): Promise<ChatIdResponse> {
    return this.session.request({ method: 'POST', path: '/api/chats/single', json: target });
  }

  /** Creates a group (I am its owner); JSON, or multipart when an image comes along. */
  createGroup(body: CreateGroupBody, image?: ImageUpload): Promise<CreateGroupResult> {
    return image
      ? this.session.request({ method: 'POST', path: '/api/chats/group', form: groupForm(body, image) })
      : this.session.request({ method: 'POST', path: '/api/chats/group', json: body });
  }

  /** Public groups to discover, optionally filtered by name or description. */
  public(query: PublicChatsQuery = {}): Promise<PublicChat[]> {
    return this.session.request({ method: 'GET', path: '/api/chats/public', query: { ...query } });
  }

  join(chatId: string): Promise<StatusResponse> {
    return this.session.request({ method: 'POST', path: path`/api/chats/${chatId}/join` });
  }

  /** Leaves a group (an owner hands ownership on). */
  leave(chatId: string): Promise<StatusResponse> {
    return this.session.request({ method: 'POST', path: path`/api/chats/${chatId}/leave` });
  }

  /** Adds members by email or username (`emails`) or id (`user_ids`). */
  addParticipants(chatId: string, body: AddParticipantsBody): Promise<AddedResult> {
    return this.session.request({ method: 'POST', path: path`/api/chats/${chatId}/participants`, json: body });
  }

  removeParticipant(chatId: string, userId: string): Promise<StatusResponse> {
    return this.session.request({ method: 'DELETE', path: path`/api/chats/${chatId}/participants/${userId}` });
  }

  /** Changes a group's name, description, visibility or image (owner and admins). */
  updateGroup(chatId: string, body: UpdateGroupBody, image?: ImageUpload): Promise<UpdateGroupResult> {
    const url = path`/api/chats/${chatId}/group`;
    return image
      ? this.session.request({ method: 'PUT', path: url, form: groupForm(body, image) })
      : this.session.request({ method: 'PUT', path: url, json: body });
  }

  /** Makes a member an admin. */
  promote(chatId: string, userId: string): Promise<StatusResponse> {
    return this.session.request({ method: 'POST', path: path`/api/chats/${chatId}/admins/${userId}` });
  }

  /** Makes an admin a plain member again (owner only). */
  demote(chatId: string, userId: string): Promise<StatusResponse> {
    return this.session.request({ method: 'DELETE', path: path`/api/chats/${chatId}/admins/${userId}` });
  }

  archive(chatId: string): Promise<StatusResponse> {
    return this.session.request({ method: 'POST', path: path`/api/chats/${chatId}/archive` });
  }

  unarchive(chatId: string): Promise<StatusResponse> {
    return this.session.request({ method: 'POST', path: path`/api/chats/${chatId}/unarchive` });
  }

  /** Mutes a chat for me: `until` a time, for `duration_seconds`, or (no body) until unmuted. */
  mute(chatId: string, body: MuteBody = {}): Promise<MuteResult> {
    return this.session.request({ method: 'POST', path: path`/api/chats/${chatId}/mute`, json: body });
  }

  unmute(chatId: string): Promise<StatusResponse> {
    return this.session.request({ method: 'POST', path: path`/api/chats/${chatId}/unmute` });
  }

  /** Deletes a group (owner only). */
  delete(chatId: string): Promise<StatusResponse> {
    return this.session.request({ method: 'DELETE', path: path`/api/chats/${chatId}` });
  }

  /** Chat statistics (admins). */
  statistics(): Promise<ChatStatistics> {
    return this.session.request({ method: 'GET', path: '/api/chats/statistics' });
  }
}
