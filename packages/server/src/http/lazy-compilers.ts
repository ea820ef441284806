import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;
/** What both of Fastify's compiler factories have in common, as far as this wrapper needs. */
type Factory<F> = (externalSchemas: unknown, options: unknown) => (route: unknown) => F;
type Validate = ((data: unknown) => unknown) & { errors?: unknown };
type Serialize = (doc: unknown) => string;

const require = createRequire(import.meta.url);

/** Fastify's own default compilers (Ajv for validation, fast-json-stringify for responses), loaded on first use. */
const defaultValidators = () => (require('@fastify/ajv-compiler') as () => Factory<Validate>)();
const defaultSerializers = () =>
  (
    require('@fastify/fast-json-stringify-compiler') as { SerializerSelector: () => Factory<Serialize> }
  ).SerializerSelector();

/**
 * Fastify's default compilers, each route's validator and serializer compiled on its first
 * request rather than at start-up (and Ajv and fast-json-stringify loaded then). With about a
 * hundred routes (most of them the admin and account APIs, which few requests reach), compiling
 * them all took half of the start-up time (0.7 s of 1.3 s to ready, in process) and several MB of
 * heap that an instance serving only the token endpoint never uses. The schemas are static; the
 * fuzz test in `npm test` sends every route requests, so a schema that fails to compile fails there.
 */
export function lazyCompilers(): CompilersFactory {
  // One of each for the whole app, as Fastify makes them: each pools its Ajv instances by options.
  let validatorFactory: Factory<Validate> | undefined;
  let serializerFactory: Factory<Serialize> | undefined;
  const validators: Factory<Validate> = (externalSchemas, options) => {
    let compile: ((route: unknown) => Validate) | undefined;
    return (route) => {
      let validate: Validate | undefined;
      // Fastify reads `errors` off the function it called, after a failed validation.
      const lazy: Validate = (data) => {
        validatorFactory ??= defaultValidators();
        compile ??= validatorFactory(externalSchemas, options);
        validate ??= compile(route);
        const valid = validate(data);
        lazy.errors = validate.errors;
        return valid;
      };
      return lazy;
    };
  };
  const serializers: Factory<Serialize> = (externalSchemas, options) => {
    let compile: ((route: unknown) => Serialize) | undefined;
    return (route) => {
      let serialize: Serialize | undefined;
      return (doc) => {
        serializerFactory ??= defaultSerializers();
        compile ??= serializerFactory(externalSchemas, options);
        serialize ??= compile(route);
        return serialize(doc);
      };
    };
  };
  // Fastify types the factories by their Ajv and JTD variants; these take and return the same values.
  return { buildValidator: validators, buildSerializer: serializers } as unknown as CompilersFactory;
}
