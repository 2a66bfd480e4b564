import { PlatformError } from "../errors.ts";

/**
 * The box's admin API (`GET /admin/dns/zonefile/<zone>`, HTTP basic auth with an admin's
 * address and password or API key). Credentials come from the environment, never argv.
 */
export async function fetchMiabZone(baseUrl: string, zone: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const user = env.PLATFORM_MIAB_USER;
  const password = env.PLATFORM_MIAB_PASSWORD;
  if (!user || !password) throw new PlatformError("PLATFORM_MIAB_USER and PLATFORM_MIAB_PASSWORD must be set to read the zone from the box", "Export an admin's address and password (or API key) in those variables, or pass --zone-file.");
  const url = `${baseUrl.replace(/\/+$/, "")}/admin/dns/zonefile/${encodeURIComponent(zone)}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` }, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new PlatformError(`cannot reach ${baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, "Check the URL (https://<box hostname>) and that this machine can reach the box.", { cause: error });
  }
  if (response.status === 401 || response.status === 403) throw new PlatformError(`${baseUrl} refused the credentials in PLATFORM_MIAB_USER/PLATFORM_MIAB_PASSWORD (HTTP ${response.status})`, "Use an admin account of the box (or its API key) and check the password.");
  if (!response.ok) throw new PlatformError(`${url} answered HTTP ${response.status}`, `Check that ${zone} is a zone the box serves (its admin panel, System > External DNS).`);
  return response.text();
}
