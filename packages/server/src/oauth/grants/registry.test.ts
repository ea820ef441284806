import { describe, expect, it } from 'vitest';
import type { Grant, GrantParameters } from './grant.js';
import { commonTokenParameters, GrantRegistry } from './registry.js';

/** A grant whose handle() is never reached: these tests are about what the registry derives. */
function declared(type: string, parameters: GrantParameters, allowsPublicClients = false): Grant {
  return {
    type,
    parameters,
    allowsPublicClients,
    handle: () => Promise.reject(new Error(`${type} was not expected to run`)),
  };
}

describe('GrantRegistry', () => {
  it('offers the common token parameters plus the union of the grants’ own', () => {
    const registry = new GrantRegistry([
      declared('urn:example:one', { code: 'a code', shared: 'read by both' }),
      declared('urn:example:two', { shared: 'read by both', other: 'another' }),
    ]);
    expect(registry.parameters).toEqual({
      ...commonTokenParameters,
      code: 'a code',
      shared: 'read by both',
      other: 'another',
    });
    expect(Object.keys(registry.parameters).slice(0, 4)).toEqual([
      'grant_type',
      'scope',
      'client_id',
      'client_secret',
    ]);
  });

  it('lists the grant types sorted for discovery, and the catalogue in the order given', () => {
    const registry = new GrantRegistry([
      declared('refresh_token', {}, true),
      declared('client_credentials', {}),
      declared('authorization_code', {}, true),
    ]);
    expect(registry.types).toEqual(['authorization_code', 'client_credentials', 'refresh_token']);
    expect(registry.catalogue.map((g) => [g.type, g.allowsPublicClients])).toEqual([
      ['refresh_token', true],
      ['client_credentials', false],
      ['authorization_code', true],
    ]);
  });

  it('refuses, at startup, a grant listed twice', () => {
    expect(() => new GrantRegistry([declared('password', {}), declared('password', {})])).toThrow(
      'grant password is listed twice',
    );
  });

  it('refuses, at startup, a parameter that two grants describe differently', () => {
    expect(
      () =>
        new GrantRegistry([
          declared('urn:example:one', { code: 'an authorization code' }),
          declared('urn:example:two', { code: 'a device code' }),
        ]),
    ).toThrow('grant urn:example:two redefines the token parameter code');
    expect(() => new GrantRegistry([declared('urn:example:one', { scope: 'something else' })])).toThrow(
      'grant urn:example:one redefines the token parameter scope',
    );
  });
});
