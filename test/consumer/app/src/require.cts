// CommonJS consumers get the .cjs builds and their .d.cts types.
import client = require('@lifeline/client')
import react = require('@lifeline/react')
import mockServer = require('@lifeline/mock-server')

const names: string[] = [typeof client.RealtimeClient, typeof react.RealtimeProvider, typeof mockServer.createServer]
export = names
