import type { IncomingMessage } from 'node:http'
import { startRedis, type RedisServer } from '@lifeline/testkit/tools'
import { afterEach, beforeEach, expect } from 'vitest'
import { startLoadBalancer, type LoadBalancer } from './loadBalancer'
import { recordingClient, type RecordingClient } from './recordingClient'
import { startReplicas, type Replica } from './replicas'
import { collectUnhandledRejections } from './unhandledRejections'

export interface ReplicaSetup {
  readonly redis: RedisServer
  readonly replicas: Replica[]
  /** A recording client on `url`, connected now and disconnected after the test. */
  connect(url: string, transport: 'websocket' | 'sse'): RecordingClient
  /** A load balancer in front of the replicas, closed after the test. */
  loadBalancer(pick: (request: IncomingMessage) => number): Promise<LoadBalancer>
}

interface Running {
  redis: RedisServer
  replicas: Replica[]
  clients: RecordingClient[]
  balancers: LoadBalancer[]
  rejections: ReturnType<typeof collectUnhandledRejections>
}

/**
 * For every test of the file: its own `redis-server`, `count` mock servers on it, and whatever
 * clients and load balancers the test adds, all stopped after it. A test that left an unhandled
 * rejection behind fails.
 */
export function useReplicas(count: number): ReplicaSetup {
  let running: Running | undefined
  beforeEach(async () => {
    const rejections = collectUnhandledRejections()
    const redis = await startRedis()
    running = { redis, replicas: await startReplicas(count, redis.url), clients: [], balancers: [], rejections }
  })
  afterEach(async () => {
    const { redis, replicas, clients, balancers, rejections } = live()
    running = undefined
    for (const { client } of clients) client.disconnect()
    await Promise.all(balancers.map((balancer) => balancer.close()))
    await Promise.all(replicas.map((replica) => replica.stop()))
    await redis.kill()
    expect(rejections.stop()).toEqual([])
  })
  const live = (): Running => {
    if (!running) throw new Error('Replicas exist only inside a test (useReplicas() starts them in beforeEach)')
    return running
  }
  return {
    get redis() {
      return live().redis
    },
    get replicas() {
      return live().replicas
    },
    connect(url, transport) {
      const recording = recordingClient({ url, transport })
      live().clients.push(recording)
      recording.client.connect()
      return recording
    },
    async loadBalancer(pick) {
      const balancer = await startLoadBalancer(pick)
      live().balancers.push(balancer)
      return balancer
    },
  }
}
