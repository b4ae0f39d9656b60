/**
 * `@lifeline/testkit/tools`: the system programs the integration tests run, each private to its
 * test, on a free loopback port, and failing in its first second with the install command when
 * the program is missing.
 */
export { startRedis } from './startRedis'
export type { RedisServer, StartRedisOptions } from './startRedis'
export { startNginx, docsLocations } from './startNginx'
export type { Nginx, NginxOptions } from './startNginx'
export { freePort } from './freePort'
