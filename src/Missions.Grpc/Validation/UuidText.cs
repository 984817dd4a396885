namespace Missions.Grpc.Validation;

/// <summary>
/// UUID text as pydantic accepts it (the Rust uuid crate): 32 hex digits, the hyphenated form, the
/// hyphenated form in braces, or <c>urn:uuid:</c> + the hyphenated form; any letter case.
/// protovalidate's <c>string.uuid</c> accepts only the hyphenated form, so this decides instead.
/// </summary>
internal static class UuidText
{
    public static bool TryParse(string? text, out Guid id)
    {
        id = default;
        if (text is null)
        {
            return false;
        }
        if (text.StartsWith("urn:uuid:", StringComparison.Ordinal))
        {
            return text.Length == 45 && Guid.TryParseExact(text[9..], "D", out id);
        }
        return text.Length switch
        {
            32 => Guid.TryParseExact(text, "N", out id),
            36 => Guid.TryParseExact(text, "D", out id),
            38 => Guid.TryParseExact(text, "B", out id),
            _ => false,
        };
    }

    /// <summary>Parses an id that validation has already accepted.</summary>
    public static Guid Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a UUID");
}
