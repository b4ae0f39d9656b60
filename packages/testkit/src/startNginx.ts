import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from './freePort'

/** Debian puts nginx in /usr/sbin, which is not on every user's PATH; NGINX_PATH overrides. */
const NGINX = process.env.NGINX_PATH ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx')

/** The configuration the docs print (docs/fallback-and-proxies.md, docs/scaling.md). */
const DOCS = fileURLToPath(new URL('../../../docs/nginx/', import.meta.url))

export interface Nginx {
  readonly url: string
  /** Each finished request as nginx logged it: path, backend (`host:port`) and `Lifeline-Session` header. */
  requests(): Promise<{ path: string; backend: string; session: string }[]>
  close(): Promise<void>
}

export interface NginxOptions {
  /**
   * The server block's locations, instead of the docs' (see {@link docsLocations}): for a proxy
   * configured differently, or wrongly.
   */
  locations?: string
}

/** The locations the docs print (docs/nginx/lifeline-locations.conf), as text to start a variant from. */
export function docsLocations(): Promise<string> {
  return readFile(`${DOCS}lifeline-locations.conf`, 'utf8')
}

/**
 * A private nginx (Debian package `nginx`) on a free loopback port, serving the
 * docs' locations in front of `backends` (`127.0.0.1:port` each), round robin, nothing sticky.
 */
export async function startNginx(backends: string[], { locations }: NginxOptions = {}): Promise<Nginx> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'lifeline-nginx-'))
  // Workers may run as another user than the master: they must reach the temp folders.
  await chmod(dir, 0o755)
  if (locations !== undefined) await writeFile(join(dir, 'locations.conf'), locations)
  await writeFile(
    join(dir, 'nginx.conf'),
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    log_format backends '$uri $upstream_addr $http_lifeline_session';
    access_log ${dir}/access.log backends;
    # Compression for the whole site, as many configurations have it: the SSE location must undo it.
    gzip on;
    gzip_min_length 1;
    gzip_types text/event-stream application/json;
    include ${DOCS}upgrade-map.conf;
    upstream lifeline {
${backends.map((backend) => `        server ${backend};`).join('\n')}
    }
    server {
        listen 127.0.0.1:${port};
        include ${locations === undefined ? `${DOCS}lifeline-locations.conf` : join(dir, 'locations.conf')};
    }
}
`,
  )
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const spawned = await Promise.race([once(child, 'spawn').then(() => true), once(child, 'error').then(() => false)])
  if (!spawned) throw new Error(`nginx not found at ${NGINX}: apt-get install -y nginx (or pnpm setup:system), or set NGINX_PATH`)
  for (let attempt = 0; attempt < 100 && child.exitCode === null && !(await accepts(port)); attempt++) await new Promise((resolve) => setTimeout(resolve, 50))
  if (child.exitCode !== null || !(await accepts(port))) throw new Error(`nginx did not start: ${stderr}${await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')}`)

  return {
    url: `http://127.0.0.1:${port}`,
    async requests() {
      const log = await readFile(join(dir, 'access.log'), 'utf8')
      return log
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [path = '', backend = '', session = ''] = line.split(' ')
          return { path, backend, session }
        })
    },
    async close() {
      if (child.exitCode === null) {
        const exited = once(child, 'exit')
        child.kill('SIGTERM')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
