// The console lines about the demo workspace, shared by `gxpw demo` and `gxpw serve` (which seeds it too).
import type { DemoSeedResult } from '../demo/demo-workspace.js';

export function describeDemo({ usersCreated, interfacesCreated, generatedPassword }: DemoSeedResult): string {
  if (usersCreated.length === 0 && interfacesCreated === 0) return 'The demo workspace already exists.';
  const lines: string[] = [];
  if (usersCreated.length) {
    const password = generatedPassword ? `password (generated, shown only now): ${generatedPassword}` : 'password: the value of GXPW_DEMO_PASSWORD';
    lines.push(`Demo accounts created: ${usersCreated.join(', ')}; ${password}`);
  }
  if (interfacesCreated) lines.push(`Reference architecture created: ${interfacesCreated} interfaces with contracts and risk assessments.`);
  return lines.join('\n');
}
