using System.Security.Cryptography;
using Missions.Grpc.Storage;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Storage;

/// <summary>
/// Start-up on a disk that cannot be written: refused with one line that says what and how to fix it, and the files
/// left byte for byte as they were — including a log that holds committed writes not yet checkpointed.
/// </summary>
public sealed class StorageStartTests
{
    public enum Fault
    {
        IoError,
        DiskFull,
    }

    [Theory]
    [InlineData(Fault.IoError)]
    [InlineData(Fault.DiskFull)]
    public async Task Starting_on_a_failing_or_full_disk_is_refused_in_one_line_and_the_files_are_left_as_they_were(Fault fault)
    {
        using var db = new TempDatabase();
        var disk = new FaultyDisk();
        using (var store = CommitFaultSweepTests.Open(db.Path, disk))
        {
            for (var i = 0; i < 20; i++)
            {
                await store.Missions.CreateMissionAsync(new NewMission(TestKeys.OrgA, $"kept {i}", null, null, null, "external", null));
            }
            disk.FailDataWrites = true; // the checkpoint at shutdown fails: the log keeps committed writes
        }
        disk.Lift();
        var before = Files(db.Directory);
        Assert.Contains("missions-log.db", before.Keys);

        if (fault == Fault.IoError)
        {
            disk.FailLogWrites(skip: 0, WriteFault.Torn, FaultyDisk.Eio);
        }
        else
        {
            disk.Quota = disk.Used + 4096; // half a page
        }
        var refused = Assert.Throws<StorageStartException>(() => CommitFaultSweepTests.Open(db.Path, disk));

        Assert.DoesNotContain('\n', refused.Message);
        Assert.StartsWith($"Writing to '{db.Path}' failed", refused.Message);
        Assert.Contains(fault == Fault.DiskFull ? "no space left on the device" : "I/O error", refused.Message);
        Assert.Contains(fault == Fault.DiskFull ? "Free space there and start again" : "Check the device", refused.Message);
        Assert.EndsWith("the database files were left as they were.", refused.Message);
        Assert.Equal(before, Files(db.Directory));

        disk.Lift();
        using var started = CommitFaultSweepTests.Open(db.Path, disk);
        Assert.Equal(20, (await started.Missions.ListMissionsAsync(TestKeys.OrgA, 0, 100)).TotalResults);
    }

    [Fact]
    public void A_new_database_on_a_full_disk_is_refused_and_leaves_no_file_behind()
    {
        using var db = new TempDatabase();
        var disk = new FaultyDisk { Quota = 0 };
        var refused = Assert.Throws<StorageStartException>(() => CommitFaultSweepTests.Open(db.Path, disk));
        Assert.Contains("no space left on the device", refused.Message);
        Assert.Empty(Files(db.Directory));
    }

    /// <summary>The database's files (not the process lock) with a hash of each.</summary>
    private static Dictionary<string, string> Files(string folder) =>
        Directory.GetFiles(folder).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
