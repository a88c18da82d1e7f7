import { Command } from 'commander';
import { claimProblem } from '../domain/identity';
import { signToken } from './auth';
import { loadGatewayConfig } from './config';

// `npm run token -- --project P [--user U] [--admin]`: prints a JWT the gateway accepts.
const program = new Command('token')
  .requiredOption('--project <id>', 'project id the token is scoped to')
  .option('--user <id>', 'user id (default: <project>-user)')
  .option('--admin', 'grant the admin role', false)
  .option('--role <role...>', 'extra roles', [])
  .option('--expires <span>', 'lifetime, e.g. 1h, 12h, 7d', '12h')
  .action(async (options: { project: string; user?: string; admin: boolean; role: string[]; expires: string }) => {
    const config = loadGatewayConfig();
    if (!config.jwt.secret) throw new Error('this gateway verifies tokens with a JWKS; it cannot sign one');
    const roles = [...new Set([...(options.admin ? ['admin'] : []), 'member', ...options.role])];
    const userId = options.user ?? `${options.project}-user`;
    // A token the gateway would refuse is no use: say which option breaks which rule.
    const problem = claimProblem({ userId, projectId: options.project, roles });
    if (problem) {
      // The default user id is made from the project: a bad one is the project's fault.
      const option =
        problem.claim === 'roles' ? 'role' : problem.claim === 'projectId' || !options.user ? 'project' : 'user';
      const got = option === 'project' ? options.project : problem.got;
      throw new Error(`--${option}: expected ${problem.expected}, got ${JSON.stringify(got)}`);
    }
    const token = await signToken({
      projectId: options.project,
      userId,
      roles,
      secret: config.jwt.secret,
      expiresIn: options.expires,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
    });
    process.stdout.write(`${token}\n`);
  });

program.parseAsync().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
