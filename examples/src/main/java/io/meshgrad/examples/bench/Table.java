package io.meshgrad.examples.bench;

import java.util.ArrayList;
import java.util.List;

/** The plain-text table {@code bench} prints (also valid Markdown). */
final class Table {
  private Table() {}

  static String render(String title, List<CaseResult> cases) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"case", "meshgrad", "peer", "unit", "ratio", "target", "met", "peer is"});
    List<CaseResult> refused = new ArrayList<>();
    for (CaseResult c : cases) {
      if (c.notSupported() != null) {
        refused.add(c);
        continue;
      }
      rows.add(new String[] {
          c.name(),
          Measure.fmt(c.meshgrad()),
          Measure.fmt(c.peer()),
          c.unit(),
          Measure.fmt(c.ratio()),
          c.hasTarget() ? ">= " + Measure.fmt(c.targetRatio()) : "-",
          c.met() == null ? "-" : c.met() ? "yes" : "NO",
          c.peerName()});
    }
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append("## ").append(title).append("\n\n");
    for (int r = 0; r < rows.size(); r++) {
      line(sb, rows.get(r), width);
      if (r == 0) {
        String[] sep = new String[width.length];
        for (int i = 0; i < sep.length; i++) {
          sep[i] = "-".repeat(width[i]);
        }
        line(sb, sep, width);
      }
    }
    for (CaseResult c : refused) {
      sb.append("\nnot supported: ").append(c.name()).append(": ").append(c.notSupported()).append('\n');
    }
    sb.append("\nratio: higher is better for meshgrad (peer/meshgrad for times, meshgrad/peer for rates)\n");
    return sb.toString();
  }

  /** One Markdown table of every case of several {@code --json} files, suite by suite. */
  static String report(List<java.nio.file.Path> files) throws java.io.IOException {
    com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"suite", "case", "meshgrad", "peer", "unit", "ratio", "target", "met"});
    for (java.nio.file.Path f : files) {
      com.fasterxml.jackson.databind.JsonNode root = mapper.readTree(f.toFile());
      for (com.fasterxml.jackson.databind.JsonNode c : root.get("cases")) {
        rows.add(new String[] {
            root.get("suite").asText() + " (" + root.path("mode").asText("?") + ")",
            c.get("name").asText(),
            num(c.get("meshgrad")),
            num(c.get("peer")),
            c.get("unit").asText(),
            num(c.get("ratio")),
            c.get("target").isNull() ? "-" : ">= " + Measure.fmt(c.get("target").asDouble()),
            c.get("met").isNull() ? "-" : c.get("met").asBoolean() ? "yes" : "**no**"});
      }
      for (com.fasterxml.jackson.databind.JsonNode c : root.path("notSupported")) {
        rows.add(new String[] {
            root.get("suite").asText() + " (" + root.path("mode").asText("?") + ")",
            c.get("name").asText() + " (not supported: " + c.get("reason").asText() + ")",
            "-", "-", c.get("unit").asText(), "-",
            c.get("target").isNull() ? "-" : ">= " + Measure.fmt(c.get("target").asDouble()), "-"});
      }
    }
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < rows.size(); r++) {
      line(sb, rows.get(r), width);
      if (r == 0) {
        String[] sep = new String[width.length];
        for (int i = 0; i < sep.length; i++) {
          sep[i] = "-".repeat(width[i]);
        }
        line(sb, sep, width);
      }
    }
    return sb.toString();
  }

  private static String num(com.fasterxml.jackson.databind.JsonNode n) {
    return n == null || n.isNull() ? "-" : Measure.fmt(n.asDouble());
  }

  private static void line(StringBuilder sb, String[] cells, int[] width) {
    sb.append('|');
    for (int i = 0; i < cells.length; i++) {
      sb.append(' ').append(cells[i]).append(" ".repeat(width[i] - cells[i].length())).append(" |");
    }
    sb.append('\n');
  }
}
