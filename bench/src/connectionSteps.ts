/**
 * How many clients each connection step adds: half at once, then `memorySteps` equal steps.
 * Memory is read after every step once every contender has idled `idleMs`; each later step's
 * growth per connection is one reading of the marginal cost of an idle connection (the first half
 * absorbs one-off growth: V8 enlarging its heap, code compiled on first use), and the idle time
 * lets V8's memory reducer hand back what the handshake storm used only briefly.
 */
export function connectionSteps(clients: number, memorySteps: number): number[] {
  if (memorySteps <= 0) return [clients]
  const half = Math.floor(clients / 2)
  const steps = [half]
  for (let step = 0; step < memorySteps; step++) steps.push(Math.floor(((clients - half) * (step + 1)) / memorySteps) - Math.floor(((clients - half) * step) / memorySteps))
  return steps
}
