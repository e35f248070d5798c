"""Which gateway each cargo block takes, in one replication (the rules in :mod:`.gateways`).

A flow with ``gateways`` chooses among them block by block: by one logit draw on each
gateway's generalised cost, whose wait is what a block choosing now expects (the queues on the
way as a vehicle arriving now meets them, and the wait for departure paths at the gateway
behind the blocks already heading for it), corrected by what the gateway's earlier blocks
met when the flow learns from experience. Containers on one block train from the origin
choose together as it leaves (:meth:`GatewayChoices.on_board`); otherwise the first of each
``block_feu`` consecutive containers chooses and the others follow it
(:meth:`GatewayChoices.follow`). The replication moves the containers; this class chooses,
keeps the ledger of blocks heading for each gateway's exit paths and each block's forecast,
and learns when a block's last container leaves its gateway (:meth:`GatewayChoices.left`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from corridor.planning.search import Planner
from corridor.simulation.entities import DispatchStep, Unit
from corridor.simulation.gateways import (
    Commitments,
    Forecast,
    GatewayOption,
    Uniforms,
    choose,
    forecast_path_wait,
    gateway_options,
)

if TYPE_CHECKING:
    from corridor.simulation.engine import Replication


class GatewayChoices:
    """The gateway choices of a replication's cargo flows."""

    def __init__(self, rep: Replication, planner: Planner, shut: frozenset[str]) -> None:
        self.rep = rep
        tt = rep.tt
        self.flows, self.stations, self.capacity = rep.flows, rep.stations, rep.capacity
        # cargo flows that choose their gateway: each gateway's route, and the flow's uniforms
        self.options: dict[int, list[GatewayOption]] = {}
        self.uniforms: dict[int, Uniforms] = {}
        # a gateway reached only over what closures hold shut all run is no choice: a block
        # sent there would wait to the end of the run
        for f, flow in enumerate(self.flows):
            if flow.gateways is not None:
                via = tuple(tt.index[g] for g in flow.gateways.via)
                self.options[f] = gateway_options(planner, tt.index[flow.from_], tt.index[flow.to], via, shut)
                self.uniforms[f] = Uniforms(rep.streams(f"gateway:{flow.id}"))
        # flow -> its block's choice, followers still to come, the block's id and its forecast
        self.block: dict[int, tuple[GatewayOption | None, int, int, Forecast | None]] = {}
        # flow -> the dispatched service every gateway's route starts with (a block train formed
        # at the origin): its containers choose when that train leaves, together
        self.first: dict[int, DispatchStep] = {}
        for f, options in self.options.items():
            first = options[0].steps[0] if options and options[0].steps else None
            if isinstance(first, DispatchStep) and all(o.steps[:1] == (first,) for o in options):
                self.first[f] = first
        self.commitments = Commitments()  # blocks heading for each gateway's exit paths
        # what blocks met against what they were told: gateway -> the correction (minutes) added
        # to its forecast, every block's forecast, and container -> its block's forecast while
        # it has not left the gateway
        self.experience: dict[int, float] = {}
        self.forecasts: list[Forecast] = []
        self.watched: dict[int, Forecast] = {}

    def follow(self, unit: Unit, now: float) -> GatewayOption:
        """The gateway a container of a flow whose routes do not all start with one block train
        takes as it is made now: the first of each ``block_feu`` consecutive containers chooses,
        the others follow it."""
        option, left, block, forecast = self.block.get(unit.flow, (None, 0, 0, None))
        if option is None or left == 0:
            spec = self.flows[unit.flow].gateways
            assert spec is not None
            option, block, forecast = self.pick(unit.flow, now, spec.block_feu)
            left = spec.block_feu
        self.block[unit.flow] = (option, left - 1, block, forecast)
        if block:
            self.commitments.join(unit.id, option.exit_service, block)
        if forecast is not None:  # the block's last container is expected out this much after it
            forecast.leave_min = now + forecast.ahead_min
            self.watched[unit.id] = forecast
        unit.gateway = option.gateway
        return option

    def on_board(self, load: list[Unit], now: float) -> None:
        """The containers on a train leaving now that wait to choose their gateway: those of one
        flow choose together, one logit draw, as a block of their number."""
        by_flow: dict[int, list[Unit]] = {}
        for unit in load:
            if unit.gateway < 0 and unit.flow in self.first:
                by_flow.setdefault(unit.flow, []).append(unit)
        for flow, group in by_flow.items():
            option, block, forecast = self.pick(flow, now, len(group))
            for unit in group:
                if block:
                    self.commitments.join(unit.id, option.exit_service, block)
                self.watched[unit.id] = forecast
                unit.gateway = option.gateway
                unit.steps = list(option.steps)  # its first step is the train leaving now
                unit.planned_arrival_min = unit.created_min + option.planned_min

    def pick(self, flow: int, now: float, feu: int) -> tuple[GatewayOption, int, Forecast]:
        """A block of ``feu`` containers of ``flow`` chooses its gateway now, by one draw from the
        flow's uniforms: the option, the block's id in the ledger of blocks heading for the
        gateway's exit paths (0: its exit has no daily paths), and the block's forecast, to set
        against the wait it meets (:meth:`left`)."""
        options = self.options[flow]
        spec = self.flows[flow].gateways
        assert spec is not None
        expected = [self.expected_wait(o, now, feu) for o in options]
        waits = np.array([w + self.experience.get(o.gateway, 0.0)
                          for o, (w, _, _) in zip(options, expected, strict=True)])
        k = choose(options, waits, spec, self.uniforms[flow]())
        block = 0
        if options[k].exit_service in self.rep.dispatch.paths:
            block = self.commitments.open(options[k].exit_service, expected[k][1], feu)
        gateway, ahead = options[k].gateway, options[k].to_gateway_min + expected[k][2]
        forecast = Forecast(flow, gateway, now, ahead, now + ahead, self.experience.get(gateway, 0.0),
                            spec.experience_weight, feu, feu)
        self.forecasts.append(forecast)
        return options[k], block, forecast

    def expected_wait(self, option: GatewayOption, now: float, feu: int) -> tuple[float, float, float]:
        """The waits a block of ``feu`` containers choosing ``option`` now expects, when it
        expects to reach the gateway, and the part of the waits until it leaves the gateway: at
        the stations on the way, the queue a vehicle arriving now would meet, the mean service
        and customs hold; at the gateway, the wait for departure paths behind the blocks already
        heading for it (:func:`.gateways.forecast_path_wait`)."""
        wait = 0.0
        eta = now + option.to_gateway_min
        for k, place in enumerate(option.calls):
            station = self.stations.get(place)
            if station is not None:
                wait += station.expected_wait(now) + station.mean_stay_min
            if k + 1 == option.calls_to_gateway:
                eta += wait
        to_exit = eta - now - option.to_gateway_min
        pool = self.rep.dispatch.paths.get(option.exit_service)
        if pool is not None:
            due_feu, pending = self.commitments.ahead(option.exit_service, now)
            path = forecast_path_wait(pool, pending, eta, feu, pool.per_day,
                                      self.capacity[option.exit_service], now, due_feu=due_feu)
            wait += path
            to_exit += path
        return wait, eta, to_exit

    def left(self, units: list[Unit], place: int, now: float) -> None:
        """Containers leaving ``place`` now: when the last of a block leaves its gateway, the
        gateway's correction moves the block's share of the way to the block's error, the time it
        left against the time its forecast said (the riding to the gateway, the waits on the way
        and the wait for paths there; the correction itself not counted)."""
        for unit in units:
            forecast = self.watched.get(unit.id)
            if forecast is None or forecast.gateway != place:
                continue
            del self.watched[unit.id]
            forecast.left -= 1
            if forecast.left == 0:
                forecast.left_min = now
                if forecast.weight:
                    known = self.experience.get(place, 0.0)
                    self.experience[place] = known + forecast.weight * (now - forecast.leave_min - known)
