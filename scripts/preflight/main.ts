// `npm run preflight -- --stack prod [--set fileshare:key=value ...]`: checks a stack here before `pulumi up`.
// Exit 0: nothing found; 1: findings (one line each: resource, input, rule, fix); 2: usage.
import { committedConfigText } from "./mocks";
import { formatFinding } from "./checks";
import { preflight } from "./preflight";

async function main(argv: string[]): Promise<number> {
  let stack: string | undefined;
  const overrides: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === "--stack" && value !== undefined) stack = argv[++i];
    else if (arg === "--set" && value !== undefined && value.includes("=")) {
      const [key = "", ...rest] = value.split("=");
      overrides[key] = rest.join("=");
      i++;
    } else {
      process.stderr.write(`preflight: unknown argument ${arg}\n`);
      return 2;
    }
  }
  if (stack === undefined) {
    process.stderr.write("usage: npm run preflight -- --stack <dev|prod|...> [--set fileshare:key=value ...]\n");
    return 2;
  }
  const { resources, findings } = await preflight(stack, { ...committedConfigText(stack), ...overrides });
  for (const f of findings) process.stdout.write(`${formatFinding(f)}\n`);
  process.stdout.write(
    findings.length === 0
      ? `preflight ${stack}: ${resources} resources checked; nothing found (docs/deploy.md lists what only AWS checks).\n`
      : `preflight ${stack}: ${findings.length} finding(s); fix them before pulumi up.\n`,
  );
  return findings.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`preflight: ${e.message}\n`);
    process.exit(1);
  },
);
