import { Type, type Static } from 'typebox';

export const ChatStatistics = Type.Object({
  total_chats: Type.Integer({ description: 'Live chats of every kind.' }),
  direct_chats: Type.Integer(),
  group_chats: Type.Integer({ description: 'Groups, public ones included.' }),
  public_groups: Type.Integer(),
  new_last_24h: Type.Integer(),
  memberships: Type.Integer({ description: 'Members summed over all live chats.' }),
});
export type ChatStatistics = Static<typeof ChatStatistics>;
