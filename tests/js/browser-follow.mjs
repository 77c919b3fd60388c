// A headless "browser" for CLI OAuth clients: follows the authorize URL
// through the redirects, including the last one to the client's loopback
// callback, so the client receives the code. The authorization server must
// auto-consent (MCP_CLERK_DEV_AUTO_CONSENT=1 / DevClerk::auto_consent).
// Appends "open <url>" and "final <url> <status>" to $BROWSER_FOLLOW_LOG.
import { appendFileSync } from 'node:fs';

const log = (line) => {
  if (process.env.BROWSER_FOLLOW_LOG) appendFileSync(process.env.BROWSER_FOLLOW_LOG, `${line}\n`);
};
let url = process.argv[2];
log(`open ${url}`);
for (let hop = 0; hop < 10; hop++) {
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status >= 300 && res.status < 400 && location) {
    url = new URL(location, url).toString();
    continue;
  }
  log(`final ${url} ${res.status}`);
  process.exit(0);
}
log(`final ${url} too-many-redirects`);
