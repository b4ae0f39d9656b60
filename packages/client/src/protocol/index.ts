/**
 * `@lifeline/client/protocol`: the wire protocol v1, shared by the client and the mock server.
 * @see ../../../../docs/protocol.md
 */
export { PROTOCOL_VERSION } from './frames'
export type {
  Position,
  ConnectCommand,
  SubscribeCommand,
  UnsubscribeCommand,
  PublishCommand,
  RefreshCommand,
  PingCommand,
  Command,
  CommandType,
  ConnectResult,
  SubscribeResult,
  PublishResult,
  RefreshResult,
  EmptyResult,
  ResultMap,
  ErrorBody,
  ReplyFrame,
  MessageFrame,
  PingFrame,
  ErrorFrame,
  DisconnectFrame,
  ServerFrame,
  PongFrame,
  ClientFrame,
} from './frames'
export { ERROR_CODES, CloseCode, closeAction } from './codes'
export type { ErrorCode, CloseAction } from './codes'
export { parseCommand, isChannel, byteLength, CHANNEL_NAME } from './parseCommand'
export type { ParsedCommand } from './parseCommand'
export { parseServerFrame } from './parseServerFrame'
