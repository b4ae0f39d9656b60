// The nginx runner lives in @lifeline/testkit/tools. This re-export stays only while
// bench/src/browserSuite.ts imports it from here; delete it once the bench imports the test kit.
export { docsLocations, startNginx, type Nginx, type NginxOptions } from '@lifeline/testkit/tools'
