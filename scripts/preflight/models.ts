// AWS's own API models, read as JSON: botocore's service-2.json files (Debian's python3-botocore installs them; no
// Python runs). Each shape carries the min, max, pattern and enum AWS checks a request against.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Where Debian's python3-botocore keeps the models; FILESHARE_BOTOCORE_DATA points elsewhere. */
export const BOTOCORE_DATA = process.env["FILESHARE_BOTOCORE_DATA"] ?? "/usr/lib/python3/dist-packages/botocore/data";

/** The constraints of one string shape. */
export interface StringConstraints {
  /** "service Shape.Member -> shape", for messages. */
  source: string;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
}

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
}

const services = new Map<string, Record<string, Shape>>();

/** Fails with how to install the models: a preflight without them would check nothing. */
export function requireModels(): void {
  if (!existsSync(join(BOTOCORE_DATA, "wafv2"))) {
    throw new Error(
      `AWS's API models are missing at ${BOTOCORE_DATA}: install Debian's python3-botocore (apt-get install python3-botocore; .ci/run does) or set FILESHARE_BOTOCORE_DATA to a botocore data folder.`,
    );
  }
}

function shapesOf(service: string): Record<string, Shape> {
  let shapes = services.get(service);
  if (shapes === undefined) {
    requireModels();
    const dir = join(BOTOCORE_DATA, service);
    const latest = readdirSync(dir)
      .filter((v) => existsSync(join(dir, v, "service-2.json")))
      .sort()
      .at(-1);
    if (latest === undefined) throw new Error(`no service-2.json for ${service} under ${dir}`);
    shapes = (
      JSON.parse(readFileSync(join(dir, latest, "service-2.json"), "utf8")) as { shapes: Record<string, Shape> }
    ).shapes;
    services.set(service, shapes);
  }
  return shapes;
}

/** The constraints of `Structure.Member` in a service's model; throws when the model has no such member (a wrong
 *  mapping must not pass as "no constraints"). */
export function memberConstraints(service: string, path: string): StringConstraints {
  const [structure, member] = path.split(".");
  const shapes = shapesOf(service);
  const target = shapes[structure ?? ""]?.members?.[member ?? ""]?.shape;
  const shape = target === undefined ? undefined : shapes[target];
  if (target === undefined || shape === undefined) throw new Error(`botocore ${service} has no member ${path}`);
  return {
    source: `botocore ${service} ${path} (${target})`,
    ...(shape.min === undefined ? {} : { min: shape.min }),
    ...(shape.max === undefined ? {} : { max: shape.max }),
    ...(shape.pattern === undefined ? {} : { pattern: shape.pattern }),
    ...(shape.enum === undefined ? {} : { enum: shape.enum }),
  };
}

/** A botocore pattern as a JavaScript RegExp matching the whole value (AWS matches patterns against all of it).
 *  Java's \p{..} classes need the `u` flag; a few patterns only compile without it. */
export function patternRegExp(pattern: string): RegExp {
  const anchored = `^(?:${pattern.replace(/^\^/, "").replace(/\$$/, "")})$`;
  try {
    return new RegExp(anchored, "u");
  } catch {
    return new RegExp(anchored);
  }
}

/** What is wrong with `value` under `c`, or undefined. */
export function violation(value: string, c: StringConstraints): string | undefined {
  if (c.min !== undefined && value.length < c.min) return `is ${value.length} characters; at least ${c.min}`;
  if (c.max !== undefined && value.length > c.max) return `is ${value.length} characters; at most ${c.max}`;
  if (c.pattern !== undefined && !patternRegExp(c.pattern).test(value)) return `does not match ${c.pattern}`;
  if (c.enum !== undefined && !c.enum.includes(value)) return `is not one of ${c.enum.join(", ")}`;
  return undefined;
}
