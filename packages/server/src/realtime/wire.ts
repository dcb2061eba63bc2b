import type { DomainEvent } from './bus/bus.js';

/** WebSocket close codes Majlis uses (docs/REALTIME.md). */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  tryAgainLater: 1013,
  slowConsumer: 4008,
  unauthorized: 4401,
  forbidden: 4403,
} as const;

/** What a client sees of a durable event: its type, its payload, and its cursor. */
export function eventObject(event: DomainEvent): Record<string, unknown> {
  return { type: event.type, ...event.payload, cursor: String(event.id) };
}

const encoded = new WeakMap<DomainEvent, string>();

/** The event as a JSON text frame, encoded once however many sockets receive it. */
export function eventFrame(event: DomainEvent): string {
  let frame = encoded.get(event);
  if (frame === undefined) {
    frame = JSON.stringify(eventObject(event));
    encoded.set(event, frame);
  }
  return frame;
}

/** Parses a resume cursor: a non-negative integer string. */
export function parseCursor(value: unknown): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    return value;
  }
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) {
    return Number(value);
  }
  return null;
}
