using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>The setting as stored; <paramref name="proposed"/> stored first when there is none (the first replica's value wins).</summary>
internal sealed class KeepSetting(string name, string proposed) : WriteCommand<string>
{
    public override string Operation => "KeepSetting";

    public override string? Organization => null;

    public override void Declare(BatchNeeds needs) => needs.Settings.Add(name);

    public override Outcome<string> Execute(BatchState batch)
    {
        if (batch.Settings.Find(name) is { } stored)
        {
            return stored;
        }
        batch.Settings.Put(name, proposed);
        return proposed;
    }
}
