import { unavailable } from '../errors/index.js';
import type { EngineContext } from './engine.js';
import type { RegistryAuth } from './registry-port.js';

/** `POST /auth`'s answer. */
export interface LoginResult {
  Status: string;
  IdentityToken: string;
}

/** The login side of the engine. */
export interface RegistryLogin {
  /** `docker login`: check the credentials against the registry; nothing is stored (the CLI keeps them). */
  login(auth: RegistryAuth): Promise<LoginResult>;
}

/** True for an engine that can check registry logins. */
export const canLogin = (engine: object): engine is RegistryLogin => typeof (engine as Partial<RegistryLogin>).login === 'function';

/** Docker Hub's login address, used when the CLI names no server. */
const HUB_LOGIN = 'https://index.docker.io/v1/';

/** Check credentials as dockerd's `POST /auth` does. */
export async function loginRegistry(ctx: EngineContext, auth: RegistryAuth): Promise<LoginResult> {
  const registry = ctx.ports.registry;
  if (!registry) throw unavailable('logging in needs a registry client, and this engine has none');
  await registry.checkLogin(auth.serveraddress || HUB_LOGIN, auth);
  return { IdentityToken: '', Status: 'Login Succeeded' };
}
