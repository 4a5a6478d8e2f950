import { describe, expect, it } from 'vitest';
import { isPublicAddress, namesNonPublicHost, NonPublicAddressError, publicOnlyLookup } from '../../src/http/public-address.ts';

describe('public addresses (what a registered jwks_uri may reach)', () => {
  it('tells public internet addresses from loopback, private, link-local and special ones', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '93.184.215.14', '2606:4700:4700::1111', '[2001:4860:4860::8888]']) expect(isPublicAddress(address), address).toBe(true);
    for (const address of ['127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '192.0.2.1', '::1', '::', 'fe80::1', 'fd12:3456::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::a00:1', 'not-an-ip'])
      expect(isPublicAddress(address), address).toBe(false);
    expect(isPublicAddress('172.32.0.1')).toBe(true);
  });

  it('names a non-public host by literal or by a name for this machine', () => {
    for (const host of ['localhost', 'LOCALHOST.', 'api.localhost', '127.0.0.1', '[::1]', '10.2.3.4']) expect(namesNonPublicHost(host), host).toBe(true);
    for (const host of ['keys.example.org', '8.8.8.8', '[2606:4700:4700::1111]']) expect(namesNonPublicHost(host), host).toBe(false);
  });

  it('refuses to resolve a name with any non-public address, and resolves a public literal as is', async () => {
    const resolve = (hostname: string, all: boolean) =>
      new Promise<unknown>((ok, fail) => publicOnlyLookup(hostname, { all }, (error, address) => (error ? fail(error) : ok(address))));
    await expect(resolve('localhost', false)).rejects.toBeInstanceOf(NonPublicAddressError);
    await expect(resolve('localhost', true)).rejects.toBeInstanceOf(NonPublicAddressError);
    await expect(resolve('8.8.8.8', false)).resolves.toBe('8.8.8.8');
    await expect(resolve('8.8.8.8', true)).resolves.toEqual([{ address: '8.8.8.8', family: 4 }]);
  });
});
