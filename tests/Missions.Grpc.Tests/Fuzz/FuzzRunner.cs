using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;
using static Missions.Grpc.Tests.Fuzz.FuzzOracle;

namespace Missions.Grpc.Tests.Fuzz;

/// <summary>Sends each case to the app and checks its answer against the oracle; counts and records failures with the server's error log.</summary>
internal sealed class FuzzRunner(MissionsApp app, HttpClient rest, CallInvoker invoker, HttpClient raw)
{
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(20);

    public FuzzFixture Fixture { get; set; } = new([]);

    public List<string> Failures { get; } = [];

    public Dictionary<int, int> Statuses { get; } = [];

    public Dictionary<StatusCode, int> GrpcStatuses { get; } = [];

    public int RestCases { get; private set; }

    public int GrpcCases { get; private set; }

    public int Skipped { get; private set; }

    public int Fixtures { get; private set; }

    private int _logged;

    public async Task<FuzzFixture> NewFixtureAsync()
    {
        Fixtures++;
        using var client = app.Rest();
        var mission = await client.NewMissionAsync("fuzz fixture");
        var m = $"{RestCalls.Missions}/{mission}";
        var run = (string)(await client.StartRunAsync(mission, """{"input":{"objective":"fuzz"}}"""))["run_id"]!;
        var r = $"{m}/runs/{run}";
        await Expect(client, HttpMethod.Post, $"{r}/plan",
            """{"steps":[{"step_id":"collect","description":"Collect","sequence":0},{"step_id":"classify","description":"Classify","sequence":1,"parent_step_id":"collect"}]}""");
        var eventId = (string)(await Expect(client, HttpMethod.Post, $"{r}/events", """{"type":"tool_call","summary":"fuzz","step_id":"collect","idempotency_key":"k1"}"""))["data"]!["event_id"]!;
        await Expect(client, HttpMethod.Post, $"{r}/telnyx-agents", """{"telnyx_agent_id":"agent-1"}""");
        await Expect(client, HttpMethod.Post, $"{m}/tools", """{"tool_id":"crm","name":"CRM lookup"}""");
        await Expect(client, HttpMethod.Post, $"{m}/knowledge-bases", """{"knowledge_base_id":"kb","name":"KB"}""");
        await Expect(client, HttpMethod.Post, $"{m}/mcp-servers", """{"mcp_server_id":"mcp","url":"http://mcp.example"}""");
        var terminal = (string)(await client.StartRunAsync(mission))["run_id"]!;
        await Expect(client, HttpMethod.Post, $"{m}/runs/{terminal}/events", """{"type":"tool_call","summary":"before the end"}""");
        await Expect(client, HttpMethod.Post, $"{m}/runs/{terminal}/cancel", null);
        return new FuzzFixture(new Dictionary<string, string>
        {
            ["mission_id"] = mission,
            ["run_id"] = run,
            ["terminal_run_id"] = terminal,
            ["step_id"] = "collect",
            ["second_step_id"] = "classify",
            ["event_id"] = eventId,
            ["telnyx_agent_id"] = "agent-1",
            ["tool_id"] = "crm",
            ["knowledge_base_id"] = "kb",
            ["mcp_server_id"] = "mcp",
            ["idempotency_key"] = "k1",
        });
    }

    private static async Task<System.Text.Json.Nodes.JsonNode> Expect(HttpClient client, HttpMethod method, string path, string? body)
    {
        var (status, json, _) = await client.SendAsync(method, path, body);
        Assert.True((int)status is >= 200 and < 300, $"fixture: {method} {path} answered {(int)status} {json?.ToJsonString()}");
        return json!;
    }

    /// <summary>Error logs written since the last call.</summary>
    private string[] NewErrorLogs()
    {
        var all = app.Logs.Errors.ToArray();
        var fresh = all.Skip(_logged).ToArray();
        _logged = all.Length;
        return fresh;
    }

    private void Fail(string request, string problem, string response, string[] logs)
    {
        var text = $"FAILURE: {problem}\n  request:  {request}\n  response: {Clip(response, 1500)}" +
            (logs.Length > 0 ? "\n  server error log:\n    " + Clip(string.Join("\n    ", logs), 6000) : "");
        Failures.Add(text);
        if (Environment.GetEnvironmentVariable("FUZZ_COLLECT") is null)
        {
            throw new InvalidOperationException(text);
        }
    }

    public async Task RestAsync(RestCase c)
    {
        RestCases++;
        var fixture = Fixture;
        var watch = c.Watch || (c.Path + c.Query).Contains("watch", StringComparison.OrdinalIgnoreCase);
        Uri uri;
        try
        {
            uri = new Uri(app.Server.BaseAddress, fixture.Resolve(c.Path + c.Query, watch));
        }
        catch (UriFormatException)
        {
            Skipped++;
            return;
        }
        if (uri.AbsolutePath.Contains("%00", StringComparison.Ordinal))
        {
            // TestServer's client handler refuses a NUL in the path before the app sees it (Kestrel answers 400 itself).
            Skipped++;
            return;
        }
        using var request = new HttpRequestMessage(new HttpMethod(c.Verb), uri);
        if (c.Body is not null || c.ContentType is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(fixture.Resolve(c.Body ?? "", watch));
            if (c.BadByteAt >= 0)
            {
                bytes = [.. bytes.Take(c.BadByteAt % (bytes.Length + 1)), 0xFF, .. bytes.Skip(c.BadByteAt % (bytes.Length + 1))];
            }
            request.Content = new ByteArrayContent(bytes);
            if (c.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
            }
        }
        if (c.Authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", c.Authorization);
        }
        foreach (var (name, value) in c.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        int status;
        string text;
        bool grpcAnswer;
        try
        {
            using var timeout = new CancellationTokenSource(CallTimeout);
            using var response = await rest.SendAsync(request, timeout.Token);
            status = (int)response.StatusCode;
            text = await response.Content.ReadAsStringAsync(timeout.Token);
            // A request that declares itself gRPC (content-type application/grpc) may get gRPC's own answer
            // (200, trailers-only grpc-status), e.g. UNIMPLEMENTED from the in-memory host for an odd path.
            grpcAnswer = c.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true
                && (response.Headers.Contains("grpc-status") || response.TrailingHeaders.Contains("grpc-status"));
        }
        catch (Exception error)
        {
            Fail(c.ToString(), "the request failed (no answer, or an exception out of the server)", error.ToString(), NewErrorLogs());
            return;
        }
        lock (Statuses)
        {
            Statuses[status] = Statuses.GetValueOrDefault(status) + 1;
        }
        var logs = NewErrorLogs();
        var keyed = c.Headers.Any(h => h.Item1.Equals("Idempotency-Key", StringComparison.OrdinalIgnoreCase));
        var problem = grpcAnswer && status < 500 ? null : CheckRest(status, text, c.Verb, watch && status == 200, keyed);
        if (problem is not null || logs.Length > 0)
        {
            Fail(c.ToString(), problem ?? "error logged", $"{status} {text}", logs);
        }
        if (status is >= 200 and < 300 && c.Verb is "DELETE")
        {
            Fixture = await NewFixtureAsync(); // something of the fixture is gone: the deep handlers need it back
        }
    }

    public async Task GrpcAsync(GrpcCase c)
    {
        GrpcCases++;
        var fixture = Fixture;
        var streaming = c.Method.IsServerStreaming;
        byte[] payload;
        try
        {
            payload = c.Kind switch
            {
                0 => c.Random,
                1 => Build(c.Method.InputType, fixture.Resolve(c.Json, streaming)),
                2 => Mutate(Build(c.Method.InputType, fixture.Resolve(c.Json, streaming)), c.Mutations),
                _ => Deep(c.Method.InputType, fixture.Resolve(c.Json, streaming)),
            };
        }
        catch (InvalidJsonException)
        {
            Skipped++; // a generated value the JSON parser refuses (e.g. out of range): not a request
            return;
        }
        catch (InvalidProtocolBufferException)
        {
            Skipped++;
            return;
        }
        var method = new Method<byte[], byte[]>(streaming ? MethodType.ServerStreaming : MethodType.Unary,
            c.Method.Service.FullName, c.Method.Name, Identity, Identity);
        var headers = new Metadata();
        if (c.Authorization is not null)
        {
            headers.Add("authorization", c.Authorization);
        }
        var options = new CallOptions(headers, DateTime.UtcNow.Add(CallTimeout));
        StatusCode code;
        string detail;
        try
        {
            if (streaming)
            {
                using var call = invoker.AsyncServerStreamingCall(method, null, options, payload);
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                }
            }
            else
            {
                await invoker.AsyncUnaryCall(method, null, options, payload);
            }
            code = StatusCode.OK;
            detail = "";
        }
        catch (RpcException error)
        {
            code = error.StatusCode;
            detail = error.Status.Detail;
        }
        lock (GrpcStatuses)
        {
            GrpcStatuses[code] = GrpcStatuses.GetValueOrDefault(code) + 1;
        }
        var logs = NewErrorLogs();
        if (code is StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded || logs.Length > 0)
        {
            Fail(c + $" payload={Convert.ToHexString(payload)}", $"gRPC status {code}", detail, logs);
        }
        if (code == StatusCode.OK && (c.Method.Name.StartsWith("Delete", StringComparison.Ordinal) || c.Method.Name.StartsWith("Unlink", StringComparison.Ordinal)))
        {
            Fixture = await NewFixtureAsync();
        }
    }

    public async Task RawGrpcAsync(RawGrpcCase c)
    {
        GrpcCases++;
        using var request = new HttpRequestMessage(HttpMethod.Post, c.Path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(c.Body()),
        };
        if (c.ContentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
        }
        if (c.Encoding is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-encoding", c.Encoding);
        }
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        if (c.WithAuth)
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {TestKeys.KeyA}");
        }
        int status;
        string? grpcStatus;
        string body;
        try
        {
            using var timeout = new CancellationTokenSource(CallTimeout);
            using var response = await raw.SendAsync(request, timeout.Token);
            status = (int)response.StatusCode;
            body = Convert.ToHexString(await response.Content.ReadAsByteArrayAsync(timeout.Token));
            grpcStatus = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status");
            var message = Header(response.TrailingHeaders, "grpc-message") ?? Header(response.Headers, "grpc-message");
            body = $"grpc-status={grpcStatus} grpc-message={message} body={Clip(body, 200)}";
        }
        catch (Exception error)
        {
            Fail(c.ToString(), "the raw gRPC request failed", error.ToString(), NewErrorLogs());
            return;
        }
        var logs = NewErrorLogs();
        var isGrpc = c.ContentType is not null && c.ContentType.StartsWith("application/grpc", StringComparison.Ordinal)
            && !c.ContentType.StartsWith("application/grpc-web", StringComparison.Ordinal);
        // Framing and encoding violations are answered by grpc-dotnet itself, INTERNAL by the gRPC protocol spec;
        // a well-formed frame is the service's business: never INTERNAL or UNKNOWN.
        var badStatus = isGrpc && c.WellFormed && grpcStatus is "2" or "13";
        if (status >= 500 || badStatus || logs.Length > 0)
        {
            Fail(c.ToString(), $"HTTP {status}, grpc-status {grpcStatus}", body, logs);
        }
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static readonly Marshaller<byte[]> Identity = Marshallers.Create(b => b, b => b);

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private static byte[] Build(MessageDescriptor type, string json) => Parser.Parse(json, type).ToByteArray();

    /// <summary>The message with its first Struct field nested past protobuf's recursion limit (100).</summary>
    private static byte[] Deep(MessageDescriptor type, string json)
    {
        var message = Parser.Parse(json, type);
        var field = type.Fields.InDeclarationOrder().FirstOrDefault(f => f.FieldType == FieldType.Message && f.MessageType.FullName == "google.protobuf.Struct");
        if (field is null)
        {
            return message.ToByteArray();
        }
        var nested = new Struct();
        for (var i = 0; i < 120; i++)
        {
            nested = new Struct { Fields = { ["a"] = Value.ForStruct(nested) } };
        }
        field.Accessor.SetValue(message, nested);
        return message.ToByteArray();
    }

    private static byte[] Mutate(byte[] bytes, (int Op, int At, byte Value)[] mutations)
    {
        var b = bytes.ToList();
        foreach (var (op, at, value) in mutations)
        {
            var i = at % (b.Count + 1);
            switch (op)
            {
                case 0 when i < b.Count: b[i] ^= (byte)(1 << (value % 8)); break;
                case 1: b.Insert(i, value); break;
                case 2 when i < b.Count: b.RemoveAt(i); break;
                case 3: b.RemoveRange(i, b.Count - i); break;
                case 4: b.AddRange([(byte)((value % 30 + 20) << 3 | value % 8), value, 0x01, 0x02]); break; // an unknown field, any wire type
                default: b.AddRange(b.Take(i).ToArray()); break; // fields repeated (last one wins, or merged)
            }
        }
        return [.. b];
    }
}
