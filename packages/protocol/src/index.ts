/**
 * `@lifeline/protocol`: protocol v1 defined once (frames, codes, routes, parsers), for the client,
 * the mock server and the conformance kit. Private: each of them inlines what it uses.
 */
export { PROTOCOL_VERSION, MAX_PRESENCE_DATA_BYTES } from './frames'
export type {
  Position,
  ConnectCommand,
  SubscribeCommand,
  PresenceRequest,
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
  ServerStamp,
  PresenceMember,
  PresenceFrame,
  PingFrame,
  ErrorFrame,
  DisconnectFrame,
  UnsubscribedFrame,
  ServerFrame,
  PongFrame,
  ClientFrame,
  PollBatch,
} from './frames'
export { ERRORS, ERROR_CODES, CLOSES, CloseCode, closeInfo } from './codes'
export type { ErrorCode, ClientAction } from './codes'
export { ROUTES, SESSION_HEADER, TRANSPORTS } from './routes'
export type { RouteName, TransportName } from './routes'
export { parseCommand, isChannel, byteLength, CHANNEL_NAME } from './parseCommand'
export type { ParsedCommand } from './parseCommand'
export { parseServerFrame } from './parseServerFrame'
