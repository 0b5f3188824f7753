// Entry for workerd (module worker): POST the config as JSON, get the result as JSON.
import { run } from './scenario.mjs'

export default {
  async fetch(request) {
    return Response.json(await run(await request.json()))
  },
}
