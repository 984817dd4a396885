using LiteDB;

// Missions.Grpc benchmarks. Usage:
//   dotnet run -c Release --project bench/Missions.Grpc.Bench [-- --large 200000 --runs 100000]
//   dotnet run -c Release --project bench/Missions.Grpc.Bench -- load [--seconds 20] [--clients 32]
//   bench/load-table.sh [--seconds 10] [--warm-up 6] [--connections 32] [--missions 100000]   (the load table; writes bench/RESULTS.md)
//   bench/storage-table.sh [--seconds 8] [--warm-up 4] [--connections 32] [--missions 20000] [--server dll] (PostgreSQL's ceilings, a peer, the service on 1 and 2 replicas, LiteDB; bench/STORAGE.md)
//   dotnet run -c Release --project bench/Missions.Grpc.Bench -- telemetry --results bench/TELEMETRY.md   (REST create, telemetry off vs on)
//   dotnet run -c Release --project bench/Missions.Grpc.Bench -- idempotency --results bench/IDEMPOTENCY.md   (REST create, with and without a key; --backend litedb|postgres for one)
//   dotnet run -c Release --project bench/Missions.Grpc.Bench -- webhooks --results bench/WEBHOOKS.md   (run transition without and with an endpoint; delivery rate; --backend litedb|postgres, --seconds, --rounds, --deliveries)
//   bench/page-memory.sh [--clients 32] [--seconds 15]   (server memory while clients read the largest page; bench/PAGE-MEMORY.md)
//   dotnet run -c Release --project bench/Missions.Grpc.Bench -- micro                       (validation per request type)
//   dotnet run -c Release --project bench/Missions.Grpc.Bench -- disk-full [--server dll] [--size-mb 24] [--ballast-mb 4] [--after-free 300]
// Each section prints its figures and a ratio against a baseline measured in the same run.
internal static class BenchMain
{
    public static async Task Main(string[] args)
    {
        int Option(string name, int fallback) => args.SkipWhile(a => a != name).Skip(1).Select(int.Parse).FirstOrDefault(fallback);
        var large = Option("--large", 200_000);
        var work = Path.Combine(Path.GetTempPath(), "missions-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            Console.WriteLine($"Missions.Grpc benchmarks — {DateTime.UtcNow:u}, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
            if (args.FirstOrDefault() == "disk-full")
            {
                var server = args.SkipWhile(a => a != "--server").Skip(1).FirstOrDefault();
                await DiskFullRun.RunAsync(server is null ? null : Path.GetFullPath(server), Option("--size-mb", 24), Option("--ballast-mb", 4), Option("--clients", 16),
                    TimeSpan.FromSeconds(Option("--seconds", 20)), Option("--after-free", 300));
                return;
            }
            if (args.FirstOrDefault() == "table")
            {
                var results = args.SkipWhile(a => a != "--results").Skip(1).FirstOrDefault();
                Environment.ExitCode = await LoadTable.RunAsync(work, TimeSpan.FromSeconds(Option("--seconds", 10)), TimeSpan.FromSeconds(Option("--warm-up", 6)),
                    Option("--connections", 32), Option("--missions", 100_000), results is null ? null : Path.GetFullPath(results));
                return;
            }
            if (args.FirstOrDefault() == "telemetry")
            {
                var results = args.SkipWhile(a => a != "--results").Skip(1).FirstOrDefault();
                Environment.ExitCode = await LoadTable.RunTelemetryAsync(work, TimeSpan.FromSeconds(Option("--seconds", 10)), TimeSpan.FromSeconds(Option("--warm-up", 4)),
                    Option("--connections", 32), results is null ? null : Path.GetFullPath(results));
                return;
            }
            if (args.FirstOrDefault() == "idempotency")
            {
                var results = args.SkipWhile(a => a != "--results").Skip(1).FirstOrDefault();
                var backends = args.SkipWhile(a => a != "--backend").Skip(1).FirstOrDefault(); // litedb, postgres or both (the default)
                Environment.ExitCode = await LoadTable.RunIdempotencyAsync(work, TimeSpan.FromSeconds(Option("--seconds", 10)), TimeSpan.FromSeconds(Option("--warm-up", 4)),
                    Option("--connections", 32), backends, results is null ? null : Path.GetFullPath(results));
                return;
            }
            if (args.FirstOrDefault() == "webhooks")
            {
                var results = args.SkipWhile(a => a != "--results").Skip(1).FirstOrDefault();
                var backends = args.SkipWhile(a => a != "--backend").Skip(1).FirstOrDefault(); // litedb, postgres or both (the default)
                Environment.ExitCode = await LoadTable.RunWebhooksAsync(work, TimeSpan.FromSeconds(Option("--seconds", 10)), TimeSpan.FromSeconds(Option("--warm-up", 2)),
                    Option("--connections", 32), Option("--rounds", 7), Option("--deliveries", 20_000), backends, results is null ? null : Path.GetFullPath(results));
                return;
            }
            if (args.FirstOrDefault() == "storage")
            {
                var results = args.SkipWhile(a => a != "--results").Skip(1).FirstOrDefault();
                var server = args.SkipWhile(a => a != "--server").Skip(1).FirstOrDefault();
                Environment.ExitCode = await LoadTable.RunStorageAsync(work, TimeSpan.FromSeconds(Option("--seconds", 8)), TimeSpan.FromSeconds(Option("--warm-up", 4)),
                    Option("--connections", 32), Option("--missions", 20_000), results is null ? null : Path.GetFullPath(results),
                    server is null ? null : Path.GetFullPath(server));
                return;
            }
            if (args.FirstOrDefault() == "page-memory")
            {
                var results = args.SkipWhile(a => a != "--results").Skip(1).FirstOrDefault();
                var server = args.SkipWhile(a => a != "--server").Skip(1).FirstOrDefault();
                await PageMemoryRun.RunAsync(server is null ? null : Path.GetFullPath(server), Option("--clients", 32),
                    TimeSpan.FromSeconds(Option("--seconds", 15)), results is null ? null : Path.GetFullPath(results));
                return;
            }
            if (args.FirstOrDefault() == "micro")
            {
                MicroTable.Run();
                return;
            }
            if (args.FirstOrDefault() == "load")
            {
                await LoadRun.RunAsync(Path.Combine(work, "load.db"), TimeSpan.FromSeconds(Option("--seconds", 20)), Option("--clients", 32));
                return;
            }
            await Bench.ListPagesAsync(Path.Combine(work, "list.db"), small: 1_000, large);
            await Bench.RunListsAsync(Path.Combine(work, "runs.db"), small: 1_000, Option("--runs", 100_000));
            await Bench.CreateThroughputAsync(Path.Combine(work, "create.db"), Path.Combine(work, "baseline.db"));
            MicroTable.Run();
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
