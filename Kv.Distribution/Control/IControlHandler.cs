namespace Kv.Distribution.Control;

/// <summary>
/// What a link does with the control messages it reads: <see cref="ControlReader"/> decodes each
/// frame and hands it here, one method per message, in the order they arrived.
/// </summary>
internal interface IControlHandler
{
    void Handle(in RpcCallFrame frame);

    void Handle(in RpcReplyFrame frame);

    void Handle(in PeersFrame frame);

    void Handle(in SendFrame frame);

    void Handle(in RegSendFrame frame);

    void Handle(in LinkFrame frame);

    void Handle(in UnlinkFrame frame);

    void Handle(in ExitFrame frame);

    void Handle(in MonitorFrame frame);

    void Handle(in DemonitorFrame frame);

    void Handle(in DownFrame frame);

    void Handle(in SpawnRequestFrame frame);

    void Handle(in SpawnReplyFrame frame);

    /// <summary>The end of a run of frames read at once: whatever was held back to batch is delivered.</summary>
    void EndOfBatch();
}
