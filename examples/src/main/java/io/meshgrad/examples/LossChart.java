package io.meshgrad.examples;

import java.io.File;
import java.io.IOException;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The loss curve of a fit as a PNG (JFreeChart, headless). */
final class LossChart {
  private LossChart() {}

  static void writePng(double[] lossHistory, double[] validationLoss, String title, File file) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYSeriesCollection data = new XYSeriesCollection();
    XYSeries train = new XYSeries("training loss (batch of each step)");
    for (int i = 0; i < lossHistory.length; i++) {
      train.add(i + 1, lossHistory[i]);
    }
    data.addSeries(train);
    if (validationLoss != null && validationLoss.length > 0) {
      XYSeries validation = new XYSeries("validation loss");
      for (int i = 0; i < validationLoss.length; i++) {
        validation.add(i + 1, validationLoss[i]);
      }
      data.addSeries(validation);
    }
    JFreeChart chart = ChartFactory.createXYLineChart(title, "step", "loss", data, PlotOrientation.VERTICAL,
        true, false, false);
    ChartUtils.saveChartAsPNG(file, chart, 900, 500);
  }
}
