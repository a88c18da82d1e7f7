import { composeSupergraph } from './supergraph';

// `npm run supergraph`: prints the composed supergraph SDL; exits 1 if the SDLs stop composing.
try {
  process.stdout.write(composeSupergraph());
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
