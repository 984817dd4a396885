namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// How a batch takes back what one command did to it: every change to the batch's state records how to undo itself, and
/// a command that fails (or throws) is rolled back to the mark taken before it ran, so it fails alone and leaves nothing
/// behind for the rest of its batch.
/// </summary>
internal sealed class UndoLog
{
    private readonly List<Action> _steps = [];

    /// <summary>Where the log stands now (taken before a command runs).</summary>
    public int Mark => _steps.Count;

    public void Record(Action undo) => _steps.Add(undo);

    /// <summary>Undoes everything recorded after <paramref name="mark"/>, newest first.</summary>
    public void RollBackTo(int mark)
    {
        for (var i = _steps.Count - 1; i >= mark; i--)
        {
            _steps[i]();
        }
        _steps.RemoveRange(mark, _steps.Count - mark);
    }

    public void Clear() => _steps.Clear();
}
