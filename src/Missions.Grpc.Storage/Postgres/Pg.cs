using System.Data;
using Npgsql;
using NpgsqlTypes;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>Small helpers over Npgsql: commands with positional parameters (<c>$1</c>, <c>$2</c>, …), and rows read back.</summary>
internal static class Pg
{
    /// <summary>A command on <paramref name="connection"/> with <paramref name="args"/> as <c>$1</c>, <c>$2</c>, … (null is SQL NULL).</summary>
    public static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params object?[] args)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var arg in args)
        {
            command.Parameters.Add(Parameter(arg));
        }
        return command;
    }

    public static NpgsqlBatchCommand BatchCommand(string sql, params object?[] args)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var arg in args)
        {
            command.Parameters.Add(Parameter(arg));
        }
        return command;
    }

    /// <summary>A typed parameter: text stays text (never unknown), times are timestamptz, nulls are typed by what they stand for.</summary>
    private static NpgsqlParameter Parameter(object? value) => value switch
    {
        null => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
        Typed typed => new NpgsqlParameter { Value = typed.Value ?? DBNull.Value, NpgsqlDbType = typed.Type },
        string text => new NpgsqlParameter { Value = Encode(text), NpgsqlDbType = NpgsqlDbType.Text },
        DateTime time => new NpgsqlParameter { Value = DateTime.SpecifyKind(time, DateTimeKind.Utc), NpgsqlDbType = NpgsqlDbType.TimestampTz },
        _ => new NpgsqlParameter { Value = value },
    };

    /// <summary>A parameter value with its type stated (a null uuid or timestamp).</summary>
    public sealed record Typed(object? Value, NpgsqlDbType Type);

    public static Typed Uuid(Guid? value) => new(value, NpgsqlDbType.Uuid);

    public static Typed Time(DateTime? value) => new(value is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null, NpgsqlDbType.TimestampTz);

    public static Typed Texts(IEnumerable<string?> values) => new(values.Select(v => v is null ? null : Encode(v)).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);

    private const char Escape = '\uFFFF';

    /// <summary>
    /// Text as PostgreSQL stores it. PostgreSQL text cannot hold U+0000, which JSON strings (and so API strings) may:
    /// it is stored as U+FFFF '0', and U+FFFF itself as U+FFFF U+FFFF (U+FFFF is a noncharacter: no caller's text has a
    /// reason to hold it, and its escape keeps it exact). Text without either is stored as is; equality still holds.
    /// </summary>
    public static string Encode(string text)
    {
        if (text.AsSpan().IndexOfAny('\0', Escape) < 0)
        {
            return text;
        }
        var encoded = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\0' => encoded.Append(Escape).Append('0'),
                Escape => encoded.Append(Escape).Append(Escape),
                _ => encoded.Append(c),
            };
        }
        return encoded.ToString();
    }

    public static string Decode(string stored)
    {
        var at = stored.IndexOf(Escape);
        if (at < 0)
        {
            return stored;
        }
        var decoded = new System.Text.StringBuilder(stored.Length);
        decoded.Append(stored, 0, at);
        for (var i = at; i < stored.Length; i++)
        {
            if (stored[i] == Escape && i + 1 < stored.Length)
            {
                decoded.Append(stored[++i] == '0' ? '\0' : Escape);
            }
            else
            {
                decoded.Append(stored[i]);
            }
        }
        return decoded.ToString();
    }

    public static Typed Uuids(IEnumerable<Guid> values) => new(values.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Uuid);

    /// <summary>Uuids as <c>uuid[]</c> (null elements are SQL NULL).</summary>
    public static Typed NullableUuids(IEnumerable<Guid?> values) => new(values.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Uuid);

    public static Typed Ints(IEnumerable<int> values) => new(values.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Integer);

    /// <summary>Integers as <c>integer[]</c> (null elements are SQL NULL).</summary>
    public static Typed NullableInts(IEnumerable<int?> values) => new(values.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Integer);

    public static Typed Bools(IEnumerable<bool> values) => new(values.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Boolean);

    public static Typed Longs(IEnumerable<long> values) => new(values.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint);

    /// <summary>Times as <c>timestamptz[]</c> (null elements are SQL NULL).</summary>
    public static Typed Times(IEnumerable<DateTime?> values) =>
        new(values.Select(v => v is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : (DateTime?)null).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz);

    public static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object?[] args)
    {
        await using var command = Command(connection, sql, args);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The first row mapped by <paramref name="map"/>, or default when there is none.</summary>
    public static async Task<T?> FirstAsync<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params object?[] args)
    {
        await using var command = Command(connection, sql, args);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? map(reader) : default;
    }

    public static async Task<List<T>> ReadAllAsync<T>(NpgsqlDataReader reader, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(map(reader));
        }
        return rows;
    }

    /// <summary>A text column, decoded (<see cref="Decode"/>).</summary>
    public static string Text(this NpgsqlDataReader reader, int ordinal) => Decode(reader.GetString(ordinal));

    public static string? NullableString(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.Text(ordinal);

    /// <summary>A <c>text[]</c> column, each element decoded (<see cref="Decode"/>).</summary>
    public static List<string> TextArray(this NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<string[]>(ordinal).Select(Decode).ToList();

    public static int? NullableInt(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);

    public static string? NullableId(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.Id(ordinal);

    public static DateTime Utc(this NpgsqlDataReader reader, int ordinal) => DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc);

    public static DateTime? NullableUtc(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.Utc(ordinal);

    public static string Id(this NpgsqlDataReader reader, int ordinal) => reader.GetGuid(ordinal).ToString();
}
