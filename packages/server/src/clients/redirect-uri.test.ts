import { expect, it } from 'vitest';
import { redirectUriProblem } from './redirect-uri.js';

it('registers only redirect URIs that the authorize endpoint could ever match exactly', () => {
  expect(redirectUriProblem('https://app.example.com/callback')).toBeUndefined();
  expect(redirectUriProblem('http://127.0.0.1:4000/cb')).toBeUndefined();
  expect(redirectUriProblem('com.example.app:/oauth')).toBeUndefined();
  expect(redirectUriProblem('https://app.example.com/cb#x')).toMatch(/fragment/);
  expect(redirectUriProblem('http://app.example.com/cb')).toMatch(/https/);
  expect(redirectUriProblem('javascript:alert(1)')).toMatch(/forbidden scheme/);
  expect(redirectUriProblem('https://user:pw@app.example.com/cb')).toMatch(/credentials/);
  // Issue 15: longer than the authorize endpoint accepts, or with a control character.
  expect(redirectUriProblem(`https://app.example.com/${'a'.repeat(2100)}`)).toMatch(/at most 2048/);
  expect(redirectUriProblem('https://app.example.com/cb\tx')).toMatch(/control characters/);
  expect(redirectUriProblem('https://app.example.com/cb\u0000')).toMatch(/control characters/);
});
