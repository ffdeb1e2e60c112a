// The Cognito pre-sign-up trigger of fileshare:authEmailDomains: a sign-up whose email is not in one of the allowed
// domains is refused before the user exists, with a message the managed sign-in page shows. Exact domains only
// (a subdomain is another domain: list it too). Admin-created users are held to the same rule.
import { OTHER_ENV_NAMES, splitList } from "../config/runtime";

/** The part of Cognito's pre-sign-up event this trigger reads (and returns unchanged). */
export interface PreSignUpEvent {
  triggerSource?: string;
  request: { userAttributes: Record<string, string | undefined> };
  response?: Record<string, unknown>;
}

/** Why an email may not sign up, or undefined when its domain is allowed. Empty list = any domain. */
export function emailDomainProblem(email: string | undefined, allowed: readonly string[]): string | undefined {
  if (allowed.length === 0) return undefined;
  const address = (email ?? "").trim().toLowerCase();
  const at = address.lastIndexOf("@");
  const domain = at > 0 ? address.slice(at + 1) : "";
  if (domain !== "" && allowed.includes(domain)) return undefined;
  return `Sign-up is open to addresses at ${allowed.join(", ")} only; use your address there.`;
}

/** The trigger's callbackFactory: reads the allowed domains once per cold start. */
export function preSignUpFunctionFactory() {
  return () => {
    const name = OTHER_ENV_NAMES.authEmailDomains;
    const allowed = splitList(process.env[name] ?? "").map((d) => d.toLowerCase());
    // No domains configured would open sign-up to everyone: refuse to run rather than fail open.
    if (allowed.length === 0) throw new Error(`${name} is empty`);
    return async (event: PreSignUpEvent): Promise<PreSignUpEvent> => {
      const problem = emailDomainProblem(event.request.userAttributes["email"], allowed);
      // Cognito shows a thrown error's message to the user ("PreSignUp failed with error ...").
      if (problem !== undefined) throw new Error(problem);
      return event;
    };
  };
}
