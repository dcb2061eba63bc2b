// majlis-client: the Majlis SDK for browsers and Node 20+ (docs/CLIENT.md).
export { MajlisClient, type MajlisClientOptions, SyncApi } from './client.js';
export { AuthApi } from './api/auth.js';
export { UsersApi, UsersAdminApi } from './api/users.js';
export { ChatsApi, type ImageUpload } from './api/chats.js';
export { MessagesApi, type SearchOptions, type SendFileOptions } from './api/messages.js';
export {
  AuthSession,
  type AuthEvents,
  LocalStorageTokenStore,
  type LogoutReason,
  MemoryTokenStore,
  type StorageLike,
  type Tokens,
  type TokenStore,
} from './auth.js';
export {
  type ClientErrorCode,
  type FetchFn,
  type FieldError,
  Http,
  type HttpOptions,
  MajlisError,
  type MajlisErrorInit,
  path,
  type RequestSpec,
} from './http.js';
export { Emitter, type Listener } from './emitter.js';
export {
  type BackoffOptions,
  type ConnectionEvents,
  type ConnectionState,
  RealtimeConnection,
  type RealtimeDeps,
  type RealtimeEvents,
  type RealtimeOptions,
  type SendOptions,
  type StopReason,
  type WebSocketConstructor,
  type WebSocketLike,
} from './realtime.js';
export * from './events.js';
export { applyEvent, applyEvents, type ChatState, compareChats, createState, setMessages, sortChats, upsertChat } from './state.js';
export type * from './types.js';
export { randomId } from './ids.js';
// The contract's own types, so an app needs only this package.
export type {
  AddParticipantsBody,
  AdminCreateUserBody,
  AdminUpdateUserBody,
  AdminUserListQuery,
  AuthResponse,
  ChangePasswordBody,
  Chat,
  ChatIdResponse,
  ChatStatistics,
  CreateDirectBody,
  CreateGroupBody,
  ErrorCode,
  FileInfo,
  ForwardedFrom,
  LastMessage,
  LoginBody,
  MemberRole,
  Message,
  MessagePage,
  MessagesQuery,
  MessageStatus,
  MessageType,
  MuteBody,
  Problem,
  PublicChat,
  PublicChatsQuery,
  Reactions,
  RegisterBody,
  ReplyPreview,
  RevokedResponse,
  SendMessageBody,
  SessionInfo,
  StatusResponse,
  TokenResponse,
  UpdateGroupBody,
  UpdateMeBody,
  User,
  UserList,
  UserStatistics,
  UserStatus,
  ValidateResponse,
} from '@majlis/protocol';
