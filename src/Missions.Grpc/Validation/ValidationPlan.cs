using System.Collections;
using System.Collections.Concurrent;
using System.Linq.Expressions;
using Buf.Validate;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Missions.Grpc.Validation;

/// <summary>
/// How one message type is validated, compiled once from its descriptor into a list of field checks: required fields
/// (<c>field_behavior</c>), free-form values (nesting depth, plain JSON), nested messages, and the <c>buf.validate</c>
/// rules (<see cref="CompiledRules"/>). Fields are read through typed getters compiled from expression trees over the
/// generated properties, so a check costs a call and a comparison; one walk per message, and nothing is allocated for
/// a valid one (a path is built only for a violation).
/// </summary>
internal sealed class ValidationPlan
{
    private static readonly ConcurrentDictionary<(MessageDescriptor, bool), ValidationPlan> Plans = new();

    private FieldCheck[] _fields = [];

    private ValidationPlan()
    {
    }

    /// <summary>
    /// The plan of <paramref name="type"/>: with its <c>buf.validate</c> rules compiled when <paramref name="withRules"/>
    /// (throws <see cref="NotSupportedException"/> for a rule that is not compiled), without them otherwise.
    /// </summary>
    public static ValidationPlan For(MessageDescriptor type, bool withRules = true)
    {
        if (Plans.TryGetValue((type, withRules), out var known))
        {
            return known;
        }
        var plan = new ValidationPlan();
        // Registered before its fields are compiled: a message that holds itself refers to this plan.
        if (!Plans.TryAdd((type, withRules), plan))
        {
            return Plans[(type, withRules)];
        }
        try
        {
            if (withRules)
            {
                CompiledRules.RefuseMessageRules(type);
            }
            plan._fields = type.Fields.InDeclarationOrder().Select(f => FieldCheck.Compile(f, withRules)).OfType<FieldCheck>().ToArray();
            return plan;
        }
        catch
        {
            Plans.TryRemove((type, withRules), out _);
            throw;
        }
    }

    /// <summary>Checks <paramref name="message"/>, found at <paramref name="at"/>, into <paramref name="sink"/>.</summary>
    public void Walk(IMessage message, PathNode? at, ref ValidationSink sink)
    {
        foreach (var field in _fields)
        {
            field.Check(message, at, ref sink);
        }
    }

    /// <summary>One field's checks.</summary>
    private abstract class FieldCheck(FieldRule rule)
    {
        protected FieldRule Rule { get; } = rule;

        public static FieldCheck? Compile(FieldDescriptor field, bool withRules)
        {
            var rule = MessageRules.For(field.ContainingType).ByProtoName[field.Name];
            var rules = withRules ? CompiledRules.Of(field) : null;
            if (field.IsMap)
            {
                return null;
            }
            if (field.IsRepeated)
            {
                return new RepeatedCheck(rule, rules, withRules);
            }
            if (field.FieldType == FieldType.Message)
            {
                return new MessageCheck(rule, withRules);
            }
            var has = field.HasPresence ? HasGetter(field) : null;
            return (field.FieldType, rules?.TypeCase) switch
            {
                (FieldType.String, FieldRules.TypeOneofCase.String) =>
                    new ScalarCheck<string>(rule, rules, has, Getter<string>(field), CompiledRules.String(field, rules.String)),
                (FieldType.Enum, FieldRules.TypeOneofCase.Enum) =>
                    new ScalarCheck<int>(rule, rules, has, Getter<int>(field), CompiledRules.Enum(field, rules.Enum)),
                (FieldType.Int32 or FieldType.Int64 or FieldType.SInt32 or FieldType.SInt64 or FieldType.UInt32 or FieldType.SFixed32 or FieldType.SFixed64 or FieldType.Fixed32, not null and not FieldRules.TypeOneofCase.None) =>
                    new ScalarCheck<long>(rule, rules, has, Getter<long>(field), CompiledRules.Integer(field, rules)),
                (_, null or FieldRules.TypeOneofCase.None) => rule.Required && has is not null ? new ScalarCheck<object>(rule, null, has, null, []) : null,
                _ => throw new NotSupportedException($"{field.FullName}: {rules!.TypeCase} rules on a {field.FieldType} field"),
            };
        }

        public abstract void Check(IMessage message, PathNode? at, ref ValidationSink sink);

        protected void Missing(PathNode? at, ref ValidationSink sink) =>
            (sink.Presence ??= []).Add(Pydantic.Missing(PathNode.Json(at, Rule, null)));

        protected void Broke(string ruleId, FieldRules rules, object? value, PathNode? at, int? index, ref ValidationSink sink) =>
            (sink.Rules ??= []).Add(new RuleViolation(
                PathNode.Proto(at, Rule, index), PathNode.Json(at, Rule, index), ruleId, rules, value, Rule.Field));
    }

    /// <summary>A singular scalar: present when required; its value's rules.</summary>
    private sealed class ScalarCheck<T>(FieldRule rule, FieldRules? rules, Func<IMessage, bool>? has, Func<IMessage, T>? get, Func<T, string?>[] checks)
        : FieldCheck(rule)
    {
        public override void Check(IMessage message, PathNode? at, ref ValidationSink sink)
        {
            if (has is not null && !has(message))
            {
                if (Rule.Required)
                {
                    Missing(at, ref sink);
                }
                return; // protovalidate applies a field's rules only when it is set, for fields that know
            }
            if (get is null)
            {
                return;
            }
            var value = get(message);
            foreach (var check in checks)
            {
                if (check(value) is { } broken)
                {
                    Broke(broken, rules!, value, at, null, ref sink);
                }
            }
        }
    }

    /// <summary>A singular message: present when required; a free-form value's depth and content; a nested message's own plan.</summary>
    private sealed class MessageCheck : FieldCheck
    {
        private readonly Func<IMessage, IMessage?> _get;
        private readonly bool _freeForm;
        private readonly ValidationPlan? _nested;

        public MessageCheck(FieldRule rule, bool withRules) : base(rule)
        {
            _get = Getter<IMessage?>(rule.Field);
            _freeForm = rule.IsFreeForm;
            _nested = _freeForm || IsWellKnown(rule.Field.MessageType) ? null : For(rule.Field.MessageType, withRules);
        }

        public override void Check(IMessage message, PathNode? at, ref ValidationSink sink)
        {
            var value = _get(message);
            if (value is null)
            {
                if (Rule.Required)
                {
                    Missing(at, ref sink);
                }
                return;
            }
            if (_freeForm)
            {
                CheckFreeForm(Rule, value, at, null, ref sink);
            }
            else
            {
                _nested?.Walk(value, new PathNode(at, Rule, null), ref sink);
            }
        }
    }

    /// <summary>A repeated field: not empty when required; the list's rules; each item's rules, content or plan.</summary>
    private sealed class RepeatedCheck : FieldCheck
    {
        private readonly Func<IMessage, IList> _get;
        private readonly FieldRules? _rules;
        private readonly Func<IList, string?>[] _listChecks = [];
        private readonly Func<object, string?>[] _itemChecks = [];
        private readonly bool _freeForm;
        private readonly ValidationPlan? _nested;

        public RepeatedCheck(FieldRule rule, FieldRules? rules, bool withRules) : base(rule)
        {
            var field = rule.Field;
            _get = Getter<IList>(field);
            _rules = rules;
            if (rules is { TypeCase: FieldRules.TypeOneofCase.Repeated })
            {
                _listChecks = CompiledRules.Repeated(field, rules.Repeated);
                var items = rules.Repeated.Items;
                _itemChecks = (field.FieldType, items?.TypeCase) switch
                {
                    (_, null or FieldRules.TypeOneofCase.None) => [],
                    (FieldType.String, FieldRules.TypeOneofCase.String) => [.. CompiledRules.String(field, items.String).Select(c => (Func<object, string?>)(v => c((string)v)))],
                    (FieldType.Enum, FieldRules.TypeOneofCase.Enum) => [.. CompiledRules.Enum(field, items.Enum).Select(c => (Func<object, string?>)(v => c(Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture))))],
                    _ => throw new NotSupportedException($"{field.FullName}: {items.TypeCase} rules on repeated {field.FieldType} items"),
                };
            }
            else if (rules is not null && rules.TypeCase != FieldRules.TypeOneofCase.None)
            {
                throw new NotSupportedException($"{field.FullName}: {rules.TypeCase} rules on a repeated field");
            }
            if (field.FieldType == FieldType.Message)
            {
                _freeForm = rule.IsFreeForm;
                _nested = _freeForm || IsWellKnown(field.MessageType) ? null : For(field.MessageType, withRules);
            }
        }

        public override void Check(IMessage message, PathNode? at, ref ValidationSink sink)
        {
            var list = _get(message);
            if (list.Count == 0)
            {
                if (Rule.Required)
                {
                    Missing(at, ref sink);
                }
                else
                {
                    CheckList(list, at, ref sink); // a rule may ask for items
                }
                return;
            }
            CheckList(list, at, ref sink);
            if (_itemChecks.Length == 0 && _nested is null && !_freeForm)
            {
                return;
            }
            var field = new PathNode(at, Rule, null);
            for (var i = 0; i < list.Count; i++)
            {
                var item = list[i]!;
                foreach (var check in _itemChecks)
                {
                    if (check(item) is { } broken)
                    {
                        Broke(broken, _rules!, item, at, i, ref sink);
                    }
                }
                if (_freeForm)
                {
                    CheckFreeForm(Rule, (IMessage)item, at, i, ref sink);
                }
                else if (_nested is not null)
                {
                    _nested.Walk((IMessage)item, new PathNode(field, null, i), ref sink);
                }
            }
        }

        private void CheckList(IList list, PathNode? at, ref ValidationSink sink)
        {
            foreach (var check in _listChecks)
            {
                if (check(list) is { } broken)
                {
                    Broke(broken, _rules!, list, at, null, ref sink);
                }
            }
        }
    }

    /// <summary>A free-form value no deeper than the limit, holding nothing JSON cannot.</summary>
    private static void CheckFreeForm(FieldRule rule, IMessage value, PathNode? at, int? index, ref ValidationSink sink)
    {
        if (sink.SkipFreeForm)
        {
            return;
        }
        string? problem = null;
        if (FreeFormDepth(value, ref problem) > sink.MaxFreeFormDepth)
        {
            (sink.Presence ??= []).Add(Pydantic.ValueError(PathNode.Json(at, rule, index), $"nesting deeper than {sink.MaxFreeFormDepth} levels"));
        }
        else if (problem is not null)
        {
            (sink.Presence ??= []).Add(Pydantic.ValueError(PathNode.Json(at, rule, index), problem));
        }
        else if (FreeFormJsonSize.Above(value, sink.MaxFreeFormBytes))
        {
            (sink.Presence ??= []).Add(Pydantic.ValueError(PathNode.Json(at, rule, index),
                $"larger than {sink.MaxFreeFormBytes} bytes of JSON (Validation:MaxFreeFormBytes)"));
        }
    }


    /// <summary>
    /// A free-form value's nesting depth; <paramref name="problem"/> gets the first thing it holds that JSON cannot:
    /// an empty object key (protobuf's JSON form rejects it), a value with no kind, a NaN or infinite number.
    /// </summary>
    private static int FreeFormDepth(IMessage value, ref string? problem) => value switch
    {
        Struct s => StructDepth(s, ref problem),
        ListValue l => ListDepth(l, ref problem),
        Value v => ValueDepth(v, ref problem),
        _ => 0,
    };

    private static int StructDepth(Struct value, ref string? problem)
    {
        var deepest = 0;
        foreach (var (key, item) in value.Fields)
        {
            if (key.Length == 0)
            {
                problem ??= "object keys must not be empty";
            }
            deepest = Math.Max(deepest, ValueDepth(item, ref problem));
        }
        return 1 + deepest;
    }

    private static int ListDepth(ListValue value, ref string? problem)
    {
        var deepest = 0;
        var items = value.Values;
        for (var i = 0; i < items.Count; i++)
        {
            deepest = Math.Max(deepest, ValueDepth(items[i], ref problem));
        }
        return 1 + deepest;
    }

    private static int ValueDepth(Value value, ref string? problem)
    {
        switch (value.KindCase)
        {
            case Value.KindOneofCase.None:
                problem ??= "a value must be null, a boolean, a number, a string, a list or an object";
                return 0;
            case Value.KindOneofCase.NumberValue when !double.IsFinite(value.NumberValue):
                problem ??= "numbers must be finite";
                return 0;
            case Value.KindOneofCase.StructValue:
                return StructDepth(value.StructValue, ref problem);
            case Value.KindOneofCase.ListValue:
                return ListDepth(value.ListValue, ref problem);
            default:
                return 0;
        }
    }

    private static bool IsWellKnown(MessageDescriptor type) => type.File.Package == "google.protobuf";

    /// <summary>The generated property of <paramref name="field"/>, read as <typeparamref name="T"/>, compiled.</summary>
    private static Func<IMessage, T> Getter<T>(FieldDescriptor field)
    {
        var message = Expression.Parameter(typeof(IMessage), "message");
        var property = Expression.Property(Expression.Convert(message, field.ContainingType.ClrType), field.PropertyName);
        Expression body = property.Type == typeof(T) ? property : Expression.Convert(property, typeof(T));
        return Expression.Lambda<Func<IMessage, T>>(body, message).Compile();
    }

    /// <summary>The generated <c>Has…</c> property of a field with presence, compiled (the accessor when there is none).</summary>
    private static Func<IMessage, bool> HasGetter(FieldDescriptor field)
    {
        if (field.ContainingType.ClrType.GetProperty("Has" + field.PropertyName) is not { PropertyType: var type } || type != typeof(bool))
        {
            var accessor = field.Accessor;
            return accessor.HasValue;
        }
        var message = Expression.Parameter(typeof(IMessage), "message");
        return Expression.Lambda<Func<IMessage, bool>>(
            Expression.Property(Expression.Convert(message, field.ContainingType.ClrType), "Has" + field.PropertyName), message).Compile();
    }
}
