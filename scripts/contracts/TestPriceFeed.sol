// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A Chainlink-style aggregator (AggregatorV3Interface subset) whose answer anyone may set.
/// updatedAt is the current block's timestamp, so the local feed never goes stale.
contract TestPriceFeed {
    uint8 public immutable decimals;
    string public description;
    int256 private answer;
    uint80 private round;

    constructor(uint8 decimals_, string memory description_, int256 answer_) {
        decimals = decimals_;
        description = description_;
        answer = answer_;
        round = 1;
    }

    function setAnswer(int256 answer_) external {
        answer = answer_;
        round += 1;
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (round, answer, block.timestamp, block.timestamp, round);
    }
}
