export * from './errors.js';
export * from './dto/common.js';
export * from './dto/users.js';
export * from './dto/auth.js';
export * from './dto/api-keys.js';
export * from './dto/chats.js';
export * from './dto/messages.js';
