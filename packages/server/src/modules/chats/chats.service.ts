import type { ChatStatistics } from '@majlis/protocol';
import type { Clock } from '../../lib/clock.js';
import type { ChatsRepo } from './chats.repo.js';

/** Chats: rules and access checks. (So far: statistics.) */
export class ChatsService {
  constructor(
    private readonly repo: ChatsRepo,
    private readonly clock: Clock,
  ) {}

  async statistics(): Promise<ChatStatistics> {
    const s = await this.repo.statistics(this.clock.now() - 86_400_000);
    return {
      total_chats: s.total,
      direct_chats: s.direct,
      group_chats: s.groups,
      public_groups: s.publicGroups,
      new_last_24h: s.new24h,
      memberships: s.memberships,
    };
  }
}
