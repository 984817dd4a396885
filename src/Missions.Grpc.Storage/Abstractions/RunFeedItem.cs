
namespace Missions.Grpc.Storage;

/// <summary>Something committed about one run, in commit order.</summary>
public abstract record RunFeedItem;
