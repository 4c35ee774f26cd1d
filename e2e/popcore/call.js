// Runs one action with Alibaba Cloud's npm client, @alicloud/pop-core, as
// a script of its users would: the request as JSON on stdin
// ({config, action, params}), the answer's body as JSON on stdout, or
// {"error": {code, message}} when the client raises one.
const RPCClient = require('@alicloud/pop-core').RPCClient;

let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', async () => {
  const req = JSON.parse(input);
  const client = new RPCClient(req.config);
  try {
    const body = await client.request(req.action, req.params, { method: 'POST' });
    process.stdout.write(JSON.stringify(body));
  } catch (err) {
    process.stdout.write(JSON.stringify({ error: { code: err.code || err.name, message: err.message } }));
  }
});
