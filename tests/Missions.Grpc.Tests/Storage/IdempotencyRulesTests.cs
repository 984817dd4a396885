using Missions.Grpc.Idempotency;
using Missions.Grpc.Storage;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.V1;

namespace Missions.Grpc.Tests.Storage;

/// <summary>The storage core's Idempotency-Key rule and the request fingerprint, as functions.</summary>
public sealed class IdempotencyRulesTests
{
    private static IdempotencyScope Scope(string fingerprint = "f1") => new("org", "key-1", fingerprint, TimeSpan.FromHours(24));

    [Fact]
    public void A_live_record_replays_the_same_request_refuses_another_and_an_expired_one_is_free()
    {
        var now = new DateTime(2026, 12, 2, 0, 0, 0, DateTimeKind.Utc);
        Assert.Equal(IdempotencyRules.Verdict.Proceed, IdempotencyRules.Decide(null, null, Scope(), now));
        Assert.Equal(IdempotencyRules.Verdict.Replay, IdempotencyRules.Decide("f1", now.AddHours(1), Scope(), now));
        Assert.Equal(IdempotencyRules.Verdict.Reused, IdempotencyRules.Decide("f2", now.AddHours(1), Scope(), now));
        Assert.Equal(IdempotencyRules.Verdict.Proceed, IdempotencyRules.Decide("f2", now, Scope(), now)); // expired at its time
    }

    [Fact]
    public void Stored_results_come_back_equal_value_tuples_and_attachment_kinds_included()
    {
        var step = new StepDocument { StepId = "s1", RunId = "r", Sequence = 0, Description = "d", Status = "pending" };
        var scope = Scope();
        var back = IdempotencyRules.Replay<(StepDocument Step, bool Changed)>(scope, IdempotencyRules.Serialize((step, true)));
        Assert.Equal((step, true), back.Value);
        Assert.True(scope.Replayed);

        var tool = new AttachmentDocument(AttachmentKind.Tool, "t1", "m", "{}", DateTime.UnixEpoch, DateTime.UnixEpoch);
        Assert.Same(AttachmentKind.Tool, IdempotencyRules.Replay<AttachmentDocument>(Scope(), IdempotencyRules.Serialize(tool)).Value!.Kind);
    }

    [Fact]
    public void An_unreadable_stored_result_is_a_failed_outcome_not_an_exception_in_the_writer()
    {
        var scope = Scope();
        var outcome = IdempotencyRules.Replay<MissionDocument>(scope, "not json");

        Assert.True(outcome.Failed);
        Assert.IsType<InvalidOperationException>(outcome.Error);
        Assert.False(scope.Replayed);
    }

    [Fact]
    public void The_fingerprint_ignores_json_key_order_and_tells_method_path_and_body_apart()
    {
        var a = new Google.Protobuf.WellKnownTypes.Struct();
        a.Fields["x"] = Google.Protobuf.WellKnownTypes.Value.ForNumber(1);
        a.Fields["y"] = Google.Protobuf.WellKnownTypes.Value.ForString("z");
        var b = new Google.Protobuf.WellKnownTypes.Struct();
        b.Fields["y"] = Google.Protobuf.WellKnownTypes.Value.ForString("z");
        b.Fields["x"] = Google.Protobuf.WellKnownTypes.Value.ForNumber(1);
        var first = new UpdateMissionRequest { MissionId = "m1", Metadata = a };
        var reordered = new UpdateMissionRequest { MissionId = "m1", Metadata = b };

        Assert.Equal(RequestFingerprint.Of("/p.S/Update", first), RequestFingerprint.Of("/p.S/Update", reordered));
        Assert.NotEqual(RequestFingerprint.Of("/p.S/Update", first), RequestFingerprint.Of("/p.S/Other", first));
        Assert.NotEqual(RequestFingerprint.Of("/p.S/Update", first), RequestFingerprint.Of("/p.S/Update", new UpdateMissionRequest { MissionId = "m2", Metadata = a }));
        Assert.NotEqual(RequestFingerprint.Of("/p.S/Update", first), RequestFingerprint.Of("/p.S/Update", new UpdateMissionRequest { MissionId = "m1" }));
        // Present-but-empty differs from absent (an optional field set to "").
        Assert.NotEqual(RequestFingerprint.Of("/p.S/Update", new UpdateMissionRequest { MissionId = "m1", Name = "" }),
            RequestFingerprint.Of("/p.S/Update", new UpdateMissionRequest { MissionId = "m1" }));
    }

    [Fact]
    public void The_fingerprint_sorts_maps_at_any_depth_without_changing_the_callers_message()
    {
        static Google.Protobuf.WellKnownTypes.Struct Parse(string json) => Google.Protobuf.WellKnownTypes.Struct.Parser.ParseJson(json);
        var first = new UpdateMissionRequest { MissionId = "m1", Metadata = Parse("""{"a":{"y":1,"x":[{"q":1,"p":2}]},"b":"t"}""") };
        var reordered = new UpdateMissionRequest { MissionId = "m1", Metadata = Parse("""{"b":"t","a":{"x":[{"p":2,"q":1}],"y":1}}""") };
        var otherValue = new UpdateMissionRequest { MissionId = "m1", Metadata = Parse("""{"b":"t","a":{"x":[{"p":2,"q":3}],"y":1}}""") };

        Assert.Equal(RequestFingerprint.Of("/p.S/Update", first), RequestFingerprint.Of("/p.S/Update", reordered));
        Assert.NotEqual(RequestFingerprint.Of("/p.S/Update", first), RequestFingerprint.Of("/p.S/Update", otherValue));
        // The answer keeps the caller's key order: the request itself is not sorted.
        Assert.Equal(["b", "a"], reordered.Metadata.Fields.Keys);
        Assert.Equal(["x", "y"], reordered.Metadata.Fields["a"].StructValue.Fields.Keys);
    }
}
