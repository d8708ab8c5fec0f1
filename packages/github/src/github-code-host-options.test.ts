import { generateKeyPairSync } from 'node:crypto';
import { GoosukeError } from '@goosuke/core';
import { describe, expect, it } from 'vitest';
import { decodeGitHubPrivateKey, readGitHubConfig } from './github-code-host-options.ts';

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString();

function failure(call: () => unknown): GoosukeError {
  try {
    call();
  } catch (error) {
    if (GoosukeError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

describe('readGitHubConfig', () => {
  it('is null when nothing is configured', () => {
    expect(readGitHubConfig({})).toBeNull();
    expect(readGitHubConfig({ GITHUB_TOKEN: '  ' })).toBeNull();
  });

  it('reads a token and an Enterprise API URL', () => {
    expect(readGitHubConfig({ GITHUB_TOKEN: 'ghp_abc' })).toEqual({ token: 'ghp_abc' });
    expect(
      readGitHubConfig({
        GITHUB_TOKEN: 'ghp_abc',
        GOOSUKE_GITHUB_API_URL: 'https://ghe.example.com/api/v3/',
      }),
    ).toEqual({
      token: 'ghp_abc',
      baseUrl: 'https://ghe.example.com/api/v3',
    });
  });

  it('reads an App with a PEM or base64 PEM key; the App wins over a token', () => {
    const environment = {
      GITHUB_TOKEN: 'ghp_abc',
      GOOSUKE_GITHUB_APP_ID: '12',
      GOOSUKE_GITHUB_APP_PRIVATE_KEY: pem,
      GOOSUKE_GITHUB_APP_INSTALLATION_ID: '34',
    };
    expect(readGitHubConfig(environment)).toEqual({
      app: { appId: 12, privateKey: pem, installationId: 34 },
    });
    const base64 = { ...environment, GOOSUKE_GITHUB_APP_PRIVATE_KEY: Buffer.from(pem).toString('base64') };
    expect(readGitHubConfig(base64)).toEqual({ app: { appId: 12, privateKey: pem, installationId: 34 } });
    const escaped = { ...environment, GOOSUKE_GITHUB_APP_PRIVATE_KEY: pem.trim().replace(/\n/g, '\\n') };
    expect(readGitHubConfig(escaped)).toEqual({ app: { appId: 12, privateKey: pem, installationId: 34 } });
  });

  it('names the missing variables of half an App configuration', () => {
    const error = failure(() => readGitHubConfig({ GOOSUKE_GITHUB_APP_ID: '12' }));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain('GOOSUKE_GITHUB_APP_PRIVATE_KEY');
    expect(error.message).toContain('GOOSUKE_GITHUB_APP_INSTALLATION_ID');
  });

  it('names the malformed variable without echoing the key', () => {
    const base = {
      GOOSUKE_GITHUB_APP_ID: '12',
      GOOSUKE_GITHUB_APP_PRIVATE_KEY: pem,
      GOOSUKE_GITHUB_APP_INSTALLATION_ID: '34',
    };
    expect(failure(() => readGitHubConfig({ ...base, GOOSUKE_GITHUB_APP_ID: 'twelve' })).message).toContain(
      'GOOSUKE_GITHUB_APP_ID',
    );
    expect(
      failure(() => readGitHubConfig({ ...base, GOOSUKE_GITHUB_APP_INSTALLATION_ID: '-3' })).message,
    ).toContain('GOOSUKE_GITHUB_APP_INSTALLATION_ID');
    const secretish = 'c2VjcmV0LWtleS1tYXRlcmlhbA==';
    const badKey = failure(() => readGitHubConfig({ ...base, GOOSUKE_GITHUB_APP_PRIVATE_KEY: secretish }));
    expect(badKey.message).toContain('GOOSUKE_GITHUB_APP_PRIVATE_KEY');
    expect(JSON.stringify(badKey)).not.toContain(secretish);
    expect(
      failure(() => readGitHubConfig({ GITHUB_TOKEN: 'x', GOOSUKE_GITHUB_API_URL: 'not a url' })).message,
    ).toContain('GOOSUKE_GITHUB_API_URL');
    expect(
      failure(() => readGitHubConfig({ GOOSUKE_GITHUB_API_URL: 'https://ghe.example.com/api/v3' })).message,
    ).toContain('GITHUB_TOKEN');
  });
});

describe('decodeGitHubPrivateKey', () => {
  it('keeps a PEM, decodes base64 and rejects anything else', () => {
    expect(decodeGitHubPrivateKey(pem)).toBe(pem);
    expect(decodeGitHubPrivateKey(Buffer.from(pem).toString('base64'))).toBe(pem);
    expect(() =>
      decodeGitHubPrivateKey('-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----'),
    ).toThrow(/not a PEM private key/);
  });
});
