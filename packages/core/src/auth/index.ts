export { assertAdmin } from './authorization.ts';
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
