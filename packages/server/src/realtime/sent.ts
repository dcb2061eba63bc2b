/**
 * The durable events a connection has had: every id up to `floor`, and the ids in `ids` above
 * it. Live events can be published out of id order (concurrent transactions commit in another
 * order than their ids), so "below the highest id sent" does not mean "sent": a late, lower id
 * must still go out, once. The set keeps the newest ids; older ones fold into the floor.
 */
export class SentIds {
  private floor = 0;
  private readonly ids = new Set<number>();

  constructor(private readonly keep = 4096) {}

  has(id: number): boolean {
    return id <= this.floor || this.ids.has(id);
  }

  add(id: number): void {
    if (id <= this.floor) {
      return;
    }
    this.ids.add(id);
    if (this.ids.size > this.keep * 2) {
      const sorted = [...this.ids].sort((a, b) => a - b);
      for (const old of sorted.slice(0, this.keep)) {
        this.ids.delete(old);
      }
      this.floor = sorted[this.keep - 1] ?? this.floor;
    }
  }

  /** The client has everything up to `cursor` (its resume point); ids sent above it stay known. */
  resumeFrom(cursor: number): void {
    this.floor = cursor;
    for (const id of this.ids) {
      if (id <= cursor) {
        this.ids.delete(id);
      }
    }
  }
}
