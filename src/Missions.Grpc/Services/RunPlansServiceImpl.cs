using Grpc.Core;
using Missions.Grpc.Auth;
using Missions.Grpc.Idempotency;
using Missions.Grpc.Mapping;
using Missions.Grpc.Storage;
using Missions.Grpc.V1;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Services;

/// <summary>A run's plan, for gRPC and REST. Thin: the store checks a request's steps as a whole, atomically.</summary>
internal sealed class RunPlansServiceImpl(IPlanStore store, CallerContext caller) : RunPlansService.RunPlansServiceBase
{
    public override Task<PlanStepsResponse> CreatePlan(CreatePlanRequest request, ServerCallContext context) =>
        AddAsync(request.MissionId, request.RunId, request.Steps, initialPlan: true, context);

    public override Task<PlanStepsResponse> AddPlanSteps(AddPlanStepsRequest request, ServerCallContext context) =>
        AddAsync(request.MissionId, request.RunId, request.Steps, initialPlan: false, context);

    public override async Task<PlanStepsResponse> GetPlan(GetPlanRequest request, ServerCallContext context) =>
        (await store.GetPlanAsync(caller.Organization, UuidText.Parse(request.MissionId), UuidText.Parse(request.RunId), context.CancellationToken))
        .ToResponse();

    public override async Task<StepResponse> GetStep(GetStepRequest request, ServerCallContext context) => new()
    {
        Data = (await store.GetStepAsync(caller.Organization, UuidText.Parse(request.MissionId), UuidText.Parse(request.RunId),
            request.StepId, context.CancellationToken)).ToProto(),
    };

    public override async Task<StepResponse> UpdateStep(UpdateStepRequest request, ServerCallContext context) => new()
    {
        Data = (await store.ChangeStepAsync(caller.Organization, UuidText.Parse(request.MissionId), UuidText.Parse(request.RunId),
            request.StepId, request.ToChange(), context.Idempotency(), context.CancellationToken)).ToProto(),
    };

    private async Task<PlanStepsResponse> AddAsync(
        string missionId, string runId, IEnumerable<CreatePlanStepRequest> steps, bool initialPlan, ServerCallContext context) =>
        (await store.AddStepsAsync(caller.Organization, UuidText.Parse(missionId), UuidText.Parse(runId), steps.ToNewSteps(), initialPlan,
            context.Idempotency(), context.CancellationToken)).ToResponse();
}
