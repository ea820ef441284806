// The ceiling for a form POST answered with JSON: Fastify with nothing else.
// Run: PORT=… node bench/peer/bare-fastify.mjs
import Fastify from 'fastify';

const app = Fastify();
app.addContentTypeParser(
  'application/x-www-form-urlencoded',
  { parseAs: 'string' },
  (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body)));
  },
);
app.get('/healthz', async () => ({ ok: true }));
app.post('/token', async (request) => ({ ok: true, grant_type: request.body.grant_type }));
await app.listen({ port: Number(process.env.PORT ?? 9200), host: '127.0.0.1' });
process.stdout.write('bare fastify listening\n');
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
