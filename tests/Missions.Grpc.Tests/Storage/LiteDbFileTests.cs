using Missions.Grpc.Storage.LiteDb;

namespace Missions.Grpc.Tests.Storage;

/// <summary>
/// How the database's files meet the disk (docs/storage.md → "Writes to the files"): a commit's log pages reach the
/// file as one write when LiteDB's confirming page arrives, and never before a read could need them; a checkpoint's
/// data pages as the last version of each, in file order, when LiteDB flushes; the log read ahead only when read in
/// sequence; a fenced file writes nothing more.
/// </summary>
public sealed class LiteDbFileTests
{
    private const int Page = LiteDbFile.PageSize;

    [Fact]
    public void A_commits_log_pages_reach_the_file_as_one_write_when_its_confirming_page_arrives()
    {
        var disk = new CountingStream();
        using var log = new LiteDbFile("log", LiteDbFileRole.Log, disk);
        WritePage(log, 0, fill: 1);
        WritePage(log, Page, fill: 2);
        Assert.Equal(0, disk.Writes); // gathered
        Assert.Equal(2 * Page, log.Length);
        WritePage(log, 2 * Page, fill: 3, confirmed: true);
        Assert.Equal(1, disk.Writes);
        Assert.Equal(3 * Page, disk.Length);
        Assert.Equal([1, 2, 3], Enumerable.Range(0, 3).Select(i => disk.ToArray()[i * Page + 100]));
    }

    [Fact]
    public void A_read_that_reaches_gathered_pages_writes_them_first_and_returns_them()
    {
        var disk = new CountingStream();
        using var log = new LiteDbFile("log", LiteDbFileRole.Log, disk);
        WritePage(log, 0, fill: 7); // a transaction LiteDB spilled before its commit
        var read = ReadPage(log, 0);
        Assert.Equal(7, read[100]);
        Assert.Equal(1, disk.Writes);
        Assert.Equal(Page, disk.Length);
    }

    [Fact]
    public void The_writer_writes_what_is_gathered_after_every_commit_whatever_LiteDB_marked()
    {
        var disk = new CountingStream();
        using var log = new LiteDbFile("log", LiteDbFileRole.Log, disk);
        WritePage(log, 0, fill: 4);
        log.WriteGathered();
        Assert.Equal(Page, disk.Length);
    }

    [Fact]
    public void A_fenced_log_drops_its_gathered_pages_and_every_later_write()
    {
        var disk = new CountingStream();
        using var log = new LiteDbFile("log", LiteDbFileRole.Log, disk);
        WritePage(log, 0, fill: 1);
        log.Fence();
        WritePage(log, Page, fill: 2, confirmed: true);
        log.WriteGathered();
        Assert.Equal(0, disk.Writes);
        Assert.Equal(0, disk.Length);
    }

    [Fact]
    public void A_failed_log_write_poisons_the_log_instead_of_throwing_into_LiteDB()
    {
        var disk = new CountingStream { Fail = true };
        using var log = new LiteDbFile("log", LiteDbFileRole.Log, disk);
        WritePage(log, 0, fill: 1, confirmed: true); // does not throw
        Assert.IsType<IOException>(log.Failure);
        disk.Fail = false;
        WritePage(log, Page, fill: 2, confirmed: true);
        Assert.Equal(0, disk.Length); // nothing after the failure
    }

    [Fact]
    public void A_checkpoint_writes_the_last_version_of_each_data_page_once_in_file_order_when_flushed()
    {
        var disk = new CountingStream();
        using var data = new LiteDbFile("data", LiteDbFileRole.Data, disk);
        WritePage(data, 2 * Page, fill: 1);
        WritePage(data, 0, fill: 2);
        WritePage(data, 2 * Page, fill: 3); // a later version of the same page
        WritePage(data, Page, fill: 4);
        WritePage(data, 5 * Page, fill: 5);
        Assert.Equal(0, disk.Writes);
        data.Flush();
        Assert.Equal(2, disk.Writes); // pages 0–2 in one write, page 5 in another
        Assert.Equal(1, disk.DeviceFlushes);
        var bytes = disk.ToArray();
        Assert.Equal([2, 4, 3, 5], new[] { 0, 1, 2, 5 }.Select(i => bytes[i * Page + 100]));
    }

    [Fact]
    public void A_data_page_that_cannot_be_written_fails_the_flush_so_the_checkpoint_keeps_the_log()
    {
        var disk = new CountingStream { Fail = true };
        using var data = new LiteDbFile("data", LiteDbFileRole.Data, disk);
        WritePage(data, 0, fill: 1);
        Assert.Throws<IOException>(data.Flush);
        Assert.Equal(0, disk.DeviceFlushes);
    }

    [Fact]
    public void A_fenced_data_file_refuses_writes()
    {
        using var data = new LiteDbFile("data", LiteDbFileRole.Data, new CountingStream());
        data.Fence();
        Assert.Throws<IOException>(() => WritePage(data, 0, fill: 1));
    }

    [Fact]
    public void A_log_read_in_sequence_reads_ahead_and_a_later_write_is_read_back_as_written()
    {
        var disk = new CountingStream();
        using var log = new LiteDbFile("log", LiteDbFileRole.Log, disk);
        for (var i = 0; i < 40; i++)
        {
            WritePage(log, i * Page, fill: (byte)i, confirmed: true);
        }
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(i, ReadPage(log, i * Page)[100]);
        }
        Assert.True(disk.Reads <= 5, $"{disk.Reads} reads for 40 pages read in sequence");

        log.SetLength(0); // a checkpoint empties the log; the same positions are written again
        WritePage(log, 0, fill: 200, confirmed: true);
        WritePage(log, Page, fill: 201, confirmed: true);
        Assert.Equal(200, ReadPage(log, 0)[100]);
        Assert.Equal(201, ReadPage(log, Page)[100]);
    }

    [Fact]
    public void Scattered_log_reads_do_not_read_ahead()
    {
        var disk = new CountingStream();
        using var log = new LiteDbFile("log", LiteDbFileRole.Log, disk);
        for (var i = 0; i < 8; i++)
        {
            WritePage(log, i * Page, fill: (byte)i, confirmed: true);
        }
        foreach (var i in new[] { 5, 1, 6, 2, 7 })
        {
            Assert.Equal(i, ReadPage(log, i * Page)[100]);
        }
        Assert.Equal(5, disk.Reads);
        Assert.Equal(5L * Page, disk.BytesRead);
    }

    private static void WritePage(LiteDbFile file, long position, byte fill, bool confirmed = false)
    {
        var page = new byte[Page];
        Array.Fill(page, fill);
        page[18] = confirmed ? (byte)1 : (byte)0; // LiteDB's "confirmed" flag: the last page of a commit
        file.Position = position;
        file.Write(page, 0, Page);
    }

    private static byte[] ReadPage(LiteDbFile file, long position)
    {
        var page = new byte[Page];
        file.Position = position;
        Assert.Equal(Page, file.Read(page, 0, Page));
        return page;
    }

    /// <summary>A file in memory that counts the writes, reads and device flushes that reach it, and can fail writes.</summary>
    private sealed class CountingStream : MemoryStream
    {
        public int Writes { get; private set; }

        public int Reads { get; private set; }

        public long BytesRead { get; private set; }

        public int DeviceFlushes { get; private set; }

        public bool Fail { get; set; }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Fail)
            {
                throw new IOException("Input/output error");
            }
            Writes++;
            base.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override int Read(byte[] buffer, int offset, int count)
        {
            Reads++;
            var read = base.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }

        public override int Read(Span<byte> buffer)
        {
            var array = new byte[buffer.Length];
            var read = Read(array, 0, array.Length);
            array.AsSpan(0, read).CopyTo(buffer);
            return read;
        }

        public override void Flush()
        {
            DeviceFlushes++;
            base.Flush();
        }
    }
}
