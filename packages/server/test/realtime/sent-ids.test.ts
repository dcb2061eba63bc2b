import { describe, expect, it } from 'vitest';
import { SentIds } from '../../src/realtime/sent.js';

describe('SentIds (which durable events a connection has had)', () => {
  it('a lower id that comes after a higher one is still new, once', () => {
    const sent = new SentIds();
    sent.add(101);
    expect(sent.has(100)).toBe(false);
    sent.add(100);
    expect(sent.has(100)).toBe(true);
    expect(sent.has(101)).toBe(true);
    expect(sent.has(102)).toBe(false);
  });

  it('a resume point covers everything up to it, and keeps what was sent above it', () => {
    const sent = new SentIds();
    sent.add(50);
    sent.add(70);
    sent.resumeFrom(60);
    expect(sent.has(10)).toBe(true);
    expect(sent.has(60)).toBe(true);
    expect(sent.has(61)).toBe(false);
    expect(sent.has(70)).toBe(true);
  });

  it('keeps the newest ids and folds older ones into the floor', () => {
    const sent = new SentIds(4);
    for (let id = 1; id <= 9; id += 1) {
      sent.add(id * 10);
    }
    // 9 > 2×4: the 4 oldest (10..40) fold into the floor (40)
    expect(sent.has(35)).toBe(true);
    expect(sent.has(45)).toBe(false);
    expect(sent.has(90)).toBe(true);
  });
});
