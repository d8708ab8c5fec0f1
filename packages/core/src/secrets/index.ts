export {
  assertStrongSecret,
  createWebCryptoSecretBox,
  minimumSecretLength,
  type WebCryptoSecretBoxOptions,
} from './web-crypto-secret-box.ts';
