using Google.Rpc;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;
using ExecutionMode = Missions.Grpc.V1.Mission.Types.ExecutionMode;

namespace Missions.Grpc.Tests.Functional.MissionsApi;

/// <summary>List, get, update, delete and clone for native gRPC callers.</summary>
public sealed class MissionsResourceGrpcTests : AppTest
{
    private MissionsService.MissionsServiceClient Client => field ??= App.Grpc();

    private async Task<Mission> CreateAsync(string name, string key = TestKeys.KeyA) =>
        (await Client.CreateMissionAsync(new CreateMissionRequest { Name = name }, Key(key), Deadline)).Data;

    [Fact]
    public async Task List_pages_newest_first_with_meta()
    {
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await CreateAsync($"m{i}")).MissionId);
        }
        var page = await Client.ListMissionsAsync(
            new ListMissionsRequest { Page = new PageRequest { Number = 2, Size = 2 } }, Key(), Deadline);

        Assert.Equal([created[2], created[1]], page.Data.Select(m => m.MissionId));
        Assert.Equal(new PageMeta { PageNumber = 2, PageSize = 2, TotalPages = 3, TotalResults = 5 }, page.Meta);

        var defaults = await Client.ListMissionsAsync(new ListMissionsRequest(), Key(), Deadline);
        Assert.Equal(new PageMeta { PageNumber = 1, PageSize = 20, TotalPages = 1, TotalResults = 5 }, defaults.Meta);
    }

    [Fact]
    public async Task Invalid_page_values_are_invalid_argument_with_field_violations()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.ListMissionsAsync(
            new ListMissionsRequest { Page = new PageRequest { Number = 0, Size = 1001 } }, Key(), Deadline).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violations = error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => $"{v.Field} {v.Reason}");
        Assert.Equal(["page.number greater_than_equal", "page.size less_than_equal"], violations.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Get_update_clone_delete_round_trip()
    {
        var mission = await CreateAsync("round trip");

        var got = (await Client.GetMissionAsync(new GetMissionRequest { MissionId = mission.MissionId }, Key(), Deadline)).Data;
        Assert.Equal(mission.Name, got.Name);
        Assert.Empty(got.Tools);

        var updated = (await Client.UpdateMissionAsync(new UpdateMissionRequest
        {
            MissionId = mission.MissionId,
            Instructions = "new",
            ExecutionMode = ExecutionMode.Managed,
        }, Key(), Deadline)).Data;
        Assert.Equal("round trip", updated.Name);
        Assert.Equal("new", updated.Instructions);
        Assert.Equal(ExecutionMode.Managed, updated.ExecutionMode);
        Assert.True(updated.UpdatedAt.ToDateTime() > mission.UpdatedAt.ToDateTime());

        var clone = (await Client.CloneMissionAsync(new CloneMissionRequest { MissionId = mission.MissionId }, Key(), Deadline)).Data;
        Assert.NotEqual(mission.MissionId, clone.MissionId);
        Assert.Equal("new", clone.Instructions);

        await Client.DeleteMissionAsync(new DeleteMissionRequest { MissionId = mission.MissionId }, Key(), Deadline);
        var gone = await Assert.ThrowsAsync<RpcException>(() =>
            Client.GetMissionAsync(new GetMissionRequest { MissionId = mission.MissionId }, Key(), Deadline).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.Equal("Mission not found", gone.Status.Detail);
    }

    [Fact]
    public async Task Another_organizations_mission_is_not_found_for_every_call()
    {
        var id = (await CreateAsync("mine")).MissionId;
        var calls = new Func<Task>[]
        {
            () => Client.GetMissionAsync(new GetMissionRequest { MissionId = id }, Key(TestKeys.KeyB), Deadline).ResponseAsync,
            () => Client.UpdateMissionAsync(new UpdateMissionRequest { MissionId = id, Name = "x" }, Key(TestKeys.KeyB), Deadline).ResponseAsync,
            () => Client.DeleteMissionAsync(new DeleteMissionRequest { MissionId = id }, Key(TestKeys.KeyB), Deadline).ResponseAsync,
            () => Client.CloneMissionAsync(new CloneMissionRequest { MissionId = id }, Key(TestKeys.KeyB), Deadline).ResponseAsync,
        };
        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.NotFound, error.StatusCode);
        }
        var still = await Client.GetMissionAsync(new GetMissionRequest { MissionId = id }, Key(), Deadline);
        Assert.Equal("mine", still.Data.Name);
    }

    [Fact]
    public async Task Malformed_ids_are_invalid_argument_and_an_explicit_unspecified_mode_is_rejected()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Client.DeleteMissionAsync(new DeleteMissionRequest { MissionId = "xyz" }, Key(), Deadline).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal("mission_id", violation.Field);
        Assert.Equal("uuid_parsing", violation.Reason);

        var id = (await CreateAsync("x")).MissionId;
        var unspecified = await Assert.ThrowsAsync<RpcException>(() => Client.UpdateMissionAsync(
            new UpdateMissionRequest { MissionId = id, ExecutionMode = ExecutionMode.Unspecified }, Key(), Deadline).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, unspecified.StatusCode);
        Assert.Equal("enum", Assert.Single(unspecified.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Reason);
    }
}
