export {
  type AccessRule,
  type ActingUser,
  type ActorOperation,
  actorOperations,
  assertActive,
  assertMayCreateAccessToken,
  assertMayTrigger,
  assertTaskVisible,
  assertTokenVisible,
  authorize,
  authorizeRole,
  canActOnUser,
  canSeeTask,
  taskListAuthor,
} from './access-policy.ts';
export {
  createHmacJwtCodec,
  type HmacJwtCodecOptions,
  type JwtClaims,
  type JwtCodec,
  type JwtSignClaims,
} from './hmac-jwt-codec.ts';
export {
  generateOpaqueToken,
  hashOpaqueToken,
  isOpaqueToken,
  type OpaqueTokenPrefix,
  opaqueTokenPrefixes,
} from './opaque-token.ts';
