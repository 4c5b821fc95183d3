"""shipmate as an MCP server: one tool per ops operation, policy enforced on the server, every call audited.

Importing this package imports the MCP SDK (~0.85 s): only `shipmate mcp` and `shipmate guide` do.
"""
