-- wrk script: POST one MCP tools/call (2025-11-25 wire, stateless, JSON response).
-- TOKEN (env) adds `Authorization: Bearer <TOKEN>` when set and not "-".
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
local token = os.getenv("TOKEN")
if token ~= nil and token ~= "" and token ~= "-" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'
